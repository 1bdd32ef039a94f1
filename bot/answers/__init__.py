"""Account-specific answers: the question registry.

Each service module (one per service of bot.engine.services, named after its key: remote_support.py,
license_maintenance.py, …, plus every_service.py) declares its questions; this registry is their union.
`FAQ_TOPICS` maps an FAQ answer key to the question that computes it for an identified customer.
Entry points (which question, which contract, which engine call): bot/answers/service.py.
The service modules open alike (CONTRACT, SERVICE, `_contract`, `label`, `details`; `bill` and
`BILL_GENERAL` for a service with a monthly fee): that is the interface labels.py, every_service.py and
this registry read, with each service's own facts, not logic to share.
"""
from __future__ import annotations

import importlib

from bot.answers.question import Question
from bot.engine.services import SERVICES

SERVICE_MODULES = tuple(importlib.import_module(f"bot.answers.{s.key.value}") for s in SERVICES)
from bot.answers import every_service  # noqa: E402  (its labels need SERVICE_MODULES)
QUESTIONS: dict[str, Question] = {
    q.key: q
    for module in SERVICE_MODULES + (every_service,)
    for q in module.QUESTIONS
}
FAQ_TOPICS: dict[str, str] = {faq: q.key for q in QUESTIONS.values() for faq in q.faq}


def question(key: str) -> Question:
    return QUESTIONS[key]


def question_for_faq(faq_key: str) -> Question | None:
    key = FAQ_TOPICS.get(faq_key)
    return QUESTIONS[key] if key else None
