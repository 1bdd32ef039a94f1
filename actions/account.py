"""Account-specific answers (bot/answers): one generic flow, chosen by who asks, not by wording.

* `action_answer_account_topic`: an FAQ topic that has a per-customer rule (bot.answers.FAQ_TOPICS;
  the NLU step bot.nlu.account_topics routes it here). Identified customer → the computed answer for
  their contract; anonymous → the FAQ answer itself, then the offer to log in or verify.
* `action_account_<key>`: the wording is about "my contract" (intent `account_<key>`), same flow.
Who is writing comes from actions.identity (token checked on this very message); any failure gets an
apology with the right contact, never silence.
"""
from __future__ import annotations

import logging
from dataclasses import replace
from abc import ABC, abstractmethod
from typing import List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import identity as chat_identity
from actions.identity import (
    OFFERED_SLOT,
    PENDING_SLOT,
    current_identity,
    identity_events,
    latest_metadata,
    lock_state,
    lockout_text,
    notice,
    send,
)
from bot import answers, settings
from bot.answers import service as answering
from bot.engine import services
from bot.engine.contracts import Service
from bot.faq.catalog import selected_key
from bot.nlu.params import Params, parse_params
from bot.storage.repository import load_account
from bot.support.contacts import apology

logger = logging.getLogger(__name__)


def _latest_entity(tracker: Tracker, name: str) -> Optional[str]:
    value = next(tracker.get_latest_entity_values(name), None)
    return value if isinstance(value, str) and value else None


def _service(tracker: Tracker, faq_key: Optional[str] = None) -> Optional[Service]:
    """The service the message names, else the one of the FAQ topic it was classified as."""
    named = _latest_entity(tracker, "service")
    return services.lookup(named) if named else services.of_key(faq_key)


def respond(dispatcher: CollectingDispatcher, tracker: Tracker, key: str, params: Optional[Params] = None,
            faq_key: Optional[str] = None) -> List[EventType]:
    """Answer question `key` for whoever sends the latest message."""
    question = answers.question(key)
    try:
        now = chat_identity.clock()  # looked up on the module so tests can fix the clock
        today = settings.today_for(latest_metadata(tracker))
        if params is None:
            params = parse_params((tracker.latest_message or {}).get("text") or "", today)
        if not question.needs_identity:
            send(dispatcher, answering.public_answer(key, today, params))
            return []
        ident = current_identity(tracker, now)
        events = identity_events(ident)
        if not ident.verified:
            locked = lock_state(tracker, now)
            if faq_key:   # the customer asked the FAQ: its own answer first, as for any FAQ
                dispatcher.utter_message(response=f"utter_faq/{faq_key}")
                reply = answering.offer(key, params)
            else:
                reply = answering.general_answer(key, today, params, with_offer=not locked.locked(now))
            if locked.locked(now):
                if faq_key is None:
                    send(dispatcher, reply, notice(ident))
                dispatcher.utter_message(text=lockout_text(locked, key))
                return events + [SlotSet(PENDING_SLOT, None), SlotSet(OFFERED_SLOT, False)]
            send(dispatcher, reply, notice(ident))
            return events + [SlotSet(PENDING_SLOT, reply.pending), SlotSet(OFFERED_SLOT, True)]
        reply = answering.answer(load_account, ident.account_id, key, today,
                                 contract_no=_latest_entity(tracker, "contract_no"),
                                 service=_service(tracker, faq_key), params=params)
        send(dispatcher, reply)
        return events + [SlotSet(PENDING_SLOT, reply.pending), SlotSet(OFFERED_SLOT, False)]
    except Exception:  # the accounts database is down, or anything unexpected
        logger.exception("account question %s failed in conversation %s", key, tracker.sender_id)
        dispatcher.utter_message(text=apology(question.service.value if question.service else None))
        return [SlotSet(PENDING_SLOT, None), SlotSet(OFFERED_SLOT, False)]


class ActionAnswerAccountTopic(Action):
    """An FAQ topic with a per-customer rule: computed for an identified customer, general otherwise."""

    def name(self) -> Text:
        return "action_answer_account_topic"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        faq_key = selected_key((tracker.latest_message or {}).get("response_selector"))
        question = answers.question_for_faq(faq_key or "")
        if question is None:  # routed without a computable topic: answer as a plain FAQ
            dispatcher.utter_message(response=f"utter_faq/{faq_key}" if faq_key else "utter_default")
            return []
        return respond(dispatcher, tracker, question.key, faq_key=faq_key)


class AccountQuestionAction(Action, ABC):
    """Base of the per-question actions `action_account_<key>`; subclasses set `key` (abstract: not registered)."""

    @property
    @abstractmethod
    def key(self) -> str:
        """A bot.answers.QUESTIONS key."""

    def name(self) -> Text:
        return f"action_account_{self.key}"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        return respond(dispatcher, tracker, self.key)


class ActionAnswerPendingQuestion(Action):
    """The customer chose a contract (button `/choose_contract{"contract_no": ...}`): answer the waiting question."""

    def name(self) -> Text:
        return "action_answer_pending_question"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        key, params = answering.split_pending(tracker.get_slot(PENDING_SLOT))
        if key is None:
            dispatcher.utter_message(
                text="ご契約についてお調べしたい内容をお知らせください(例:「今日解約したらいつ終わる?」「契約内容を教えて」)。")
            return []
        # A date given now (after "which day?") replaces the remembered one.
        text = (tracker.latest_message or {}).get("text") or ""
        said = parse_params(text, settings.today_for(latest_metadata(tracker)))
        if said.on is not None:
            params = replace(params, on=said.on)
        return respond(dispatcher, tracker, key, params)


# One action per question of the registry: action_account_<key> (rules/account.yml maps the intents).
for _key in answers.QUESTIONS:
    _name = "ActionAccount" + "".join(part.title() for part in _key.split("_"))
    globals()[_name] = type(_name, (AccountQuestionAction,), {"key": _key, "__module__": __name__})
