"""Training without --force (bot/nlu/fingerprint.py): Rasa's cache key of our NLU components changes
when a helper module or a data file they use changes, and only then."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.nlu import fingerprint

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def tree(tmp_path, monkeypatch):
    """A private copy of bot/ that the fingerprint reads instead of the real one."""
    copy = tmp_path / "bot"
    shutil.copytree(ROOT / "bot", copy, ignore=shutil.ignore_patterns("__pycache__", "static", "*.pyc"))
    monkeypatch.setattr(fingerprint, "PACKAGE_DIR", copy)
    return copy


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def test_rasa_cache_key_changes_with_a_helper_module_of_the_classifier(tree):
    from rasa.engine.training.fingerprinting import calculate_fingerprint_key

    from bot.nlu.classifier import LinearIntentClassifier

    config = LinearIntentClassifier.get_default_config()
    before = calculate_fingerprint_key(LinearIntentClassifier, config, {})
    assert calculate_fingerprint_key(LinearIntentClassifier, config, {}) == before  # stable: the cache can hit
    append(tree / "nlu" / "features.py", "\n# a changed helper module\n")
    assert calculate_fingerprint_key(LinearIntentClassifier, config, {}) != before


@pytest.mark.parametrize("edited", ["nlu/scoring.py", "support/service_words.yml",
                                    "support/service_words.py"])
def test_classifier_addon_covers_its_helpers_and_their_data(tree, edited):
    from bot.nlu.classifier import LinearIntentClassifier

    before = LinearIntentClassifier.fingerprint_addon({})
    append(tree / edited, "\n# edited\n")
    assert LinearIntentClassifier.fingerprint_addon({}) != before


def test_a_module_the_component_does_not_import_leaves_the_cache_key_alone(tree):
    from bot.nlu.tokenizer import FugashiTokenizer

    before = FugashiTokenizer.fingerprint_addon({})
    append(tree / "nlu" / "scoring.py", "\n# the classifier's, not the tokenizer's\n")
    append(tree / "retention.py", "\n# imported by no NLU component\n")
    assert FugashiTokenizer.fingerprint_addon({}) == before
    append(tree / "nlu" / "japanese.py", "\n# the tokenizer's segmenter\n")
    assert FugashiTokenizer.fingerprint_addon({}) != before


def test_entity_ruler_addon_covers_the_patterns_file_its_config_names(tree, tmp_path):
    from bot.nlu.entities import SpacyEntityRuler

    patterns = tmp_path / "patterns.yml"
    shutil.copy(ROOT / "bot" / "nlu" / "entity_patterns.yml", patterns)
    before = SpacyEntityRuler.fingerprint_addon({"patterns_file": str(patterns)})
    append(patterns, "\n# another pattern\n")
    assert SpacyEntityRuler.fingerprint_addon({"patterns_file": str(patterns)}) != before


def test_router_addon_follows_imports_inside_functions(tree):
    """account_topics imports bot.answers and bot.faq.catalog inside a function."""
    from bot.nlu.account_topics import AccountTopicRouter

    before = AccountTopicRouter.fingerprint_addon({})
    append(tree / "faq" / "titles.yml", "\n# a changed FAQ title file\n")
    assert AccountTopicRouter.fingerprint_addon({}) != before


def test_closure_is_read_from_the_files_without_importing_them():
    closure = fingerprint.module_closure("bot.nlu.tokenizer")
    assert {"bot", "bot.nlu", "bot.nlu.tokenizer", "bot.nlu.japanese", "bot.nlu.normalize"} <= set(closure)
    assert "bot.nlu.classifier" not in closure
