"""What the dialogue gets from the classifier's confidences for one message (`decide`): the services the
message names or implies restrict its FAQ answers; a service-dependent topic asked without a service,
or a topic only one service has, becomes `generic_question` so the dialogue can use the conversation's
service (bot.support.topics); an FAQ topic and the account question computing it count as one answer.
Used by the Rasa component (bot.nlu.classifier) and by the CV calibration (scripts/nlu_crossval.py)."""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

from bot.engine import services

GENERIC_INTENT = "generic_question"


def service_of_label(label: str) -> Optional[str]:
    """faq/rs_monthly_fee, account_rs_eligibility → remote_support; labels of no service → None."""
    rest = label[4:] if label.startswith("faq/") else label[8:] if label.startswith("account_") else ""
    service = services.of_key(rest)
    return service.value if service else None


@dataclass
class Decision:
    """The classifier's view of one message, after the service words of the message were applied.

    probabilities: per label (restricted to the services the message names or implies, renormalised);
    ranking: best confidence per intent (what `intent_ranking` holds); faq: FAQ keys, best first;
    intent: what the dialogue acts on: the best intent, or `generic_question` (confidence: the mass
    of the whole topic) when the best FAQ answer is one service's version of a topic several
    services answer differently, or the answer of a topic only one service has (the dialogue then
    sees the conversation's service), and the message names no service; services: from the message."""

    probabilities: np.ndarray
    ranking: List[Dict[str, Any]]
    faq: List[Tuple[str, float]]
    intent: Dict[str, Any]
    services: Tuple[str, ...]
    topic: Optional[str] = None


@functools.lru_cache(maxsize=8)
def _twin_map(labels: Tuple[str, ...]) -> Dict[str, str]:
    from bot.answers import FAQ_TOPICS

    present = set(labels)
    twins: Dict[str, str] = {}
    for faq_key, question in FAQ_TOPICS.items():
        a, b = f"faq/{faq_key}", f"account_{question}"
        if a in present and b in present:
            twins.setdefault(a, b)
            twins.setdefault(b, a)
    return twins


def _twins(labels: Sequence[str]) -> Dict[str, str]:
    """FAQ topic ↔ account question pairs that reach the same reply (bot.nlu.account_topics)."""
    return _twin_map(labels if isinstance(labels, tuple) else tuple(labels))


class _LabelIndex:
    """What decide() needs of the labels, worked out once per label list rather than per message."""

    def __init__(self, labels: Tuple[str, ...]) -> None:
        self.labels = np.array(labels, dtype=object)
        self.position = {label: i for i, label in enumerate(labels)}
        intents = [label.split("/", 1)[0] for label in labels]
        self.intent_names = list(dict.fromkeys(intents))
        self.intent_codes = np.array([self.intent_names.index(i) for i in intents])
        self.intent_of = intents
        self.service_of = [service_of_label(label) for label in labels]

    @functools.lru_cache(maxsize=64)
    def keep(self, services: Tuple[str, ...]) -> np.ndarray:
        """Labels a message about these services may get: theirs and those of no service."""
        return np.array([s is None or s in services for s in self.service_of], dtype=float)

    @functools.lru_cache(maxsize=8)
    def retrieval_mask(self, retrieval: Tuple[str, ...]) -> np.ndarray:
        return np.array([i in retrieval for i in self.intent_of])


@functools.lru_cache(maxsize=8)
def _label_index(labels: Tuple[str, ...]) -> _LabelIndex:
    return _LabelIndex(labels)


def decide(labels: Sequence[str], row: np.ndarray, text: str, retrieval: Sequence[str] = ("faq",),
           services: Optional[Sequence[str]] = None) -> Decision:
    from bot.support import service_words, topics

    labels = tuple(labels)
    index = _label_index(labels)
    services = tuple(services) if services is not None else service_words.services_in(text)
    row = np.asarray(row, dtype=float)
    if services:
        keep = index.keep(services)
        if keep.any() and (row * keep).sum() > 0:
            row = row * keep
            row = row / row.sum()
    order = np.argsort(row)[::-1]
    # best confidence per intent, best first: each intent's first place in the order
    codes, first = np.unique(index.intent_codes[order], return_index=True)
    places = np.sort(first)
    ranking = [{"name": index.intent_names[index.intent_codes[order[p]]], "confidence": float(row[order[p]])}
               for p in places]
    faq_order = order[index.retrieval_mask(tuple(retrieval))[order]]
    faq = list(zip(index.labels[faq_order].tolist(), row[faq_order].tolist()))
    intent: Dict[str, Any] = dict(ranking[0])
    top_label = faq[0][0] if intent["name"] in retrieval and faq else intent["name"]
    twin = _twins(labels).get(top_label)
    if twin is not None:  # faq/cw_renewal_fee and account_cw_renewal_fee get the same reply: one mass
        intent["confidence"] = float(intent["confidence"] + row[index.position[twin]])
    topic_name = None
    if intent["name"] in retrieval and not services and faq:
        # a topic only one service answers goes the same way: the conversation's service may be another
        topic = topics.generic_topic(faq[0][0]) or topics.one_service_topic(faq[0][0], text)
        if topic is not None:
            members = {f"faq/{k}" for k in set(topic.answers.values()) | set(topic.generic)}
            mass = float(sum(row[i] for i in sorted(index.position[m] for m in members if m in index.position)))
            intent, topic_name = {"name": GENERIC_INTENT, "confidence": max(mass, intent["confidence"])}, topic.name
    return Decision(row, ranking, faq, intent, services, topic_name)
