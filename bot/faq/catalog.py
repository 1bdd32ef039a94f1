"""Reads the FAQ knowledge (retrieval intent `faq/<key>` and `utter_faq/<key>`) from data/nlu.

The training data files are the single source of the FAQ: the action server (button titles of the
fallback and disambiguation), the evaluation and the tests all read them through this module.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import yaml

from bot.engine import services
from bot.settings import PROJECT_ROOT

DATA_DIR = PROJECT_ROOT / "data" / "nlu"
TITLES_FILE = Path(__file__).with_name("titles.yml")
SERVICE_OF_PREFIX = {s.faq_prefix: s.key.value for s in services.SERVICES}
KEY_PATTERN = re.compile(r"^(%s)_[a-z0-9_]+$" % "|".join(SERVICE_OF_PREFIX))
_EXAMPLE_LINE = re.compile(r"^\s*-\s+(.*)$")


@dataclass(frozen=True)
class FaqEntry:
    key: str  # e.g. rs_monthly_fee
    service: str
    title: str  # short question shown on buttons
    examples: Tuple[str, ...]
    answers: Tuple[str, ...]
    source: str


def _examples(block: str) -> List[str]:
    found = []
    for line in block.splitlines():
        match = _EXAMPLE_LINE.match(line)
        if match:
            found.append(match.group(1).strip())
    return found


def _short(text: str, limit: int = 28) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@functools.lru_cache(maxsize=4)
def load(data_dir: str = str(DATA_DIR)) -> Dict[str, FaqEntry]:
    examples: Dict[str, List[str]] = {}
    responses: Dict[str, List[dict]] = {}
    for path in sorted(Path(data_dir).glob("*.yml")):
        content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in content.get("nlu") or []:
            intent = item.get("intent", "")
            if intent.startswith("faq/"):
                examples.setdefault(intent[4:], []).extend(_examples(item.get("examples", "")))
        for name, variants in (content.get("responses") or {}).items():
            if name.startswith("utter_faq/"):
                responses[name[len("utter_faq/"):]] = variants
    titles = yaml.safe_load(TITLES_FILE.read_text(encoding="utf-8")) if TITLES_FILE.exists() else {}
    catalog = {}
    for key, variants in responses.items():
        metadata = variants[0].get("metadata") or {}
        key_examples = tuple(examples.get(key, ()))
        title = (titles or {}).get(key) or (key_examples[0] if key_examples else key)
        catalog[key] = FaqEntry(
            key=key,
            service=service_of(key) or "general",
            title=_short(title),
            examples=key_examples,
            answers=tuple(v.get("text", "") for v in variants),
            source=str(metadata.get("source", "")),
        )
    return catalog


def service_of(key: str) -> Optional[str]:
    """The service key of an FAQ answer key ('rs_monthly_fee' -> 'remote_support'), None for a general one."""
    service = services.of_key(key)
    return service.value if service else None


def entry(key: str) -> FaqEntry | None:
    """The FAQ with that key, or None for anything that is not a known key (e.g. a forged payload)."""
    if not isinstance(key, str) or not KEY_PATTERN.match(key):
        return None
    return load().get(key)


def selected_key(response_selector: object) -> Optional[str]:
    """The FAQ answer key the classifier chose (`response_selector.faq.response`), e.g. 'rs_monthly_fee'."""
    faq = (response_selector.get("faq") or {}) if isinstance(response_selector, dict) else {}
    key = str((faq.get("response") or {}).get("intent_response_key") or "")
    return key.removeprefix("faq/") or None
