"""Questions whose answer depends on the service (「解約したい」「料金は？」): which topic they are about,
which FAQ answers each service's version of it, and what the bot does with one (`resolve`)."""
from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Optional, Sequence, Tuple

import yaml

from bot.engine import services
from bot.nlu.normalize import normalize

SERVICE_ORDER = services.KEYS


@dataclass(frozen=True)
class Topic:
    name: str
    label: str
    keywords: Tuple[str, ...]
    answers: Dict[str, str]  # service → FAQ key
    generic: Tuple[str, ...] = ()  # FAQ keys that, asked without a service, mean this topic

    @property
    def services(self) -> Tuple[str, ...]:
        return tuple(s for s in SERVICE_ORDER if s in self.answers)


@functools.lru_cache(maxsize=1)
def topics() -> Dict[str, Topic]:
    raw = yaml.safe_load(Path(__file__).with_name("topics.yml").read_text(encoding="utf-8"))
    return {
        name: Topic(name, item["label"], tuple(normalize(k) for k in item["keywords"]), dict(item["answers"]),
                    tuple(item.get("generic") or ()))
        for name, item in raw.items()
    }


@functools.lru_cache(maxsize=1)
def _generic_topic_of_key() -> Dict[str, Topic]:
    found: Dict[str, Topic] = {}
    for topic in topics().values():
        for key in topic.generic:
            found.setdefault(key, topic)
    return found


def generic_topic(faq_key: Optional[str]) -> Optional[Topic]:
    """The topic that FAQ answer stands for when the message names no service (None: it stands for itself)."""
    topic = _generic_topic_of_key().get(str(faq_key or "").removeprefix("faq/"))
    return topic if topic is not None and len(topic.answers) > 1 else None


def one_service_topic(faq_key: Optional[str], text: str) -> Optional[Topic]:
    """The topic one service alone answers, when this is its answer and the message uses its words
    (「サポートのメールアドレスは？」 → mail_address): the dialogue answers it from that service, and says
    so when the conversation is about another one (resolve: `instead_of`)."""
    key = str(faq_key or "").removeprefix("faq/")
    topic = detect(text) if key else None
    return topic if topic is not None and list(topic.answers.values()) == [key] else None


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


@dataclass(frozen=True)
class Resolution:
    """What the bot does with a service-dependent question.

    kind: "answer" (FAQ `key` of `service`), "no_document" (the service's documents do not cover the
    topic), "ask_service" (buttons: `services`), "ask_topic" (no topic recognised).
    instead_of: the conversation's service, when the topic is answered from the only other service
    that has it (the customer is told that the conversation's service has no such item)."""

    kind: str
    topic: Optional[Topic] = None
    service: Optional[str] = None
    key: Optional[str] = None
    services: Tuple[str, ...] = ()
    instead_of: Optional[str] = None


def resolve(text: str, faq_key: Optional[str], message_services: Sequence[str] = (),
            slot_service: Optional[str] = None, customer_services: Sequence[str] = (),
            topic: Optional[Topic] = None) -> Resolution:
    """A service-less (or service-dependent) question: the topic from the classifier's FAQ answer or the
    keywords; the service from the message, else the conversation (slot), else the customer's only
    contract that has the topic; else the customer is asked, offered only the services that have it.
    A topic only one service's documents cover is answered from them without asking, also in a
    conversation about another service (then with `instead_of` set)."""
    topic = topic or generic_topic(faq_key) or one_service_topic(faq_key, text) or detect(text)
    if topic is None:
        return Resolution("ask_topic")
    named = [s for s in dict.fromkeys(message_services) if s in SERVICE_ORDER]
    service: Optional[str] = None
    if len(named) == 1:
        service = named[0]
    elif len(named) > 1:
        covered = [s for s in named if s in topic.answers]
        if len(covered) == 1:
            service = covered[0]
        elif covered:
            return Resolution("ask_service", topic, services=tuple(s for s in SERVICE_ORDER if s in covered))
    elif slot_service in SERVICE_ORDER and len(topic.answers) == 1 and slot_service not in topic.answers:
        only = next(iter(topic.answers))
        return Resolution("answer", topic, only, topic.answers[only], instead_of=slot_service)
    elif slot_service in SERVICE_ORDER:
        service = slot_service
    elif len(topic.answers) == 1:  # one document alone covers it: no need to ask
        service = next(iter(topic.answers))
    else:
        candidates = [s for s in customer_services if s in topic.answers]
        service = candidates[0] if len(candidates) == 1 else None
    if service is None:
        return Resolution("ask_service", topic, services=topic.services)
    key = answer_key(topic, service)
    asked = str(faq_key or "").removeprefix("faq/")
    if asked in topic.generic and _service_of_key(asked) == service:
        key = asked  # the classifier's own answer of that service (カード払い「から」 vs 「へ」)
    if key is None:
        return Resolution("no_document", topic, service)
    return Resolution("answer", topic, service, key)


def _service_of_key(key: str) -> Optional[str]:
    from bot.faq.catalog import service_of

    return service_of(key)


def remembered(topic: Topic, faq_key: Optional[str]) -> str:
    """The `faq_topic` slot while the customer picks a service: the topic, and the classifier's answer
    when it is not that service's default one (payment:rt_payment_from_card)."""
    asked = str(faq_key or "").removeprefix("faq/")
    service = _service_of_key(asked) if asked else None
    if asked in topic.generic and service and topic.answers.get(service) != asked:
        return f"{topic.name}:{asked}"
    return topic.name


def recall(value: Optional[str]) -> Tuple[Optional[Topic], Optional[str]]:
    name, _, key = str(value or "").partition(":")
    topic = topics().get(name)
    return topic, (key if topic is not None and key in topic.generic else None)
