"""The held-out NLU sets stay held out: no message is also a training example, and every label is
one the bot can answer (an intent of the domain, or a FAQ key with a response)."""
import pytest
import yaml

from bot.devtools.evaluation import BLIND_DIR, BLIND2_DIR, EVALUATION_SETS, FRESH_DIR, TRAIN_DIR, read_examples
from bot.settings import PROJECT_ROOT


def _known_labels():
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    intents = {i if isinstance(i, str) else next(iter(i)) for i in domain["intents"]}
    faq = set()
    for path in TRAIN_DIR.glob("*.yml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        faq |= {key[len("utter_"):] for key in (data.get("responses") or {}) if key.startswith("utter_faq/")}
    return intents, faq


@pytest.mark.parametrize("directory", EVALUATION_SETS, ids=lambda d: d.name)
def test_held_out_set_is_disjoint_from_training_and_labelled_with_known_labels(directory):
    # the development set too: its errors may guide data changes, but it is never copied into training
    held = read_examples(directory)
    assert len(held) >= 250
    training = {text for text, _ in read_examples(TRAIN_DIR)}
    assert not [t for t, _ in held if t in training], "held-out messages copied into training data"
    intents, faq = _known_labels()
    unknown = {label for _, label in held if label not in faq and label not in intents}
    assert not unknown, unknown


def test_fresh_set_asks_about_every_faq_answer():
    _, faq = _known_labels()
    assert faq - {label for _, label in read_examples(FRESH_DIR)} == set()


@pytest.mark.parametrize("directory", [BLIND_DIR, BLIND2_DIR], ids=lambda d: d.name)
def test_blind_set_is_large_enough_and_asks_about_every_faq_answer(directory):
    held = read_examples(directory)
    assert len(held) >= 300
    _, faq = _known_labels()
    assert faq - {label for _, label in held} == set()


def test_nothing_trains_on_the_evaluation_sets():
    """`rasa train` reads data/ and rules/ (Makefile); the CV script reads data/nlu only."""
    makefile = (PROJECT_ROOT / "Makefile").read_text(encoding="utf-8")
    train_lines = [line for line in makefile.splitlines() if "$(RASA) train" in line]
    assert train_lines and all("--data data rules" in line and "tests" not in line for line in train_lines)
    for directory in EVALUATION_SETS:
        assert not directory.is_relative_to(TRAIN_DIR) and not directory.is_relative_to(PROJECT_ROOT / "rules")
    crossval = (PROJECT_ROOT / "scripts" / "nlu_crossval.py").read_text(encoding="utf-8")
    assert "read_examples(TRAIN_DIR)" in crossval and not any(
        name in crossval for name in ("HELDOUT_DIR", "FRESH_DIR", "BLIND_DIR", "BLIND2_DIR", "DEV_DIR", "EVALUATION_SETS", "nlu_dev", "nlu_blind"))


def test_make_eval_measures_all_held_out_sets_and_the_development_set():
    makefile = (PROJECT_ROOT / "Makefile").read_text(encoding="utf-8")
    for directory in EVALUATION_SETS:
        assert f"--heldout tests/{directory.name}" in makefile
    assert "bot.devtools.evaluation --report" in makefile
