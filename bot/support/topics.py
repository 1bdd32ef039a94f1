"""Generic questions (no service named): which topic they are about and which FAQ answers them."""
from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Optional, Tuple

import yaml

from bot.nlu.normalize import normalize


@dataclass(frozen=True)
class Topic:
    name: str
    label: str
    keywords: Tuple[str, ...]
    answers: Dict[str, str]  # service → FAQ key


@functools.lru_cache(maxsize=1)
def topics() -> Dict[str, Topic]:
    raw = yaml.safe_load(Path(__file__).with_name("topics.yml").read_text(encoding="utf-8"))
    return {
        name: Topic(name, item["label"], tuple(normalize(k) for k in item["keywords"]), dict(item["answers"]))
        for name, item in raw.items()
    }


def detect(text: str) -> Optional[Topic]:
    """The topic whose keyword appears earliest in the message (「解約したら料金は？」 → 解約)."""
    normalized = normalize(text or "")
    best: Optional[Tuple[int, Topic]] = None
    for topic in topics().values():
        for keyword in topic.keywords:
            position = normalized.find(keyword)
            if position >= 0 and (best is None or position < best[0]):
                best = (position, topic)
    return best[1] if best else None


def answer_key(topic: Topic, service: str) -> Optional[str]:
    return topic.answers.get(service)
