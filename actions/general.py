"""Conversation flows that need no customer data: talk to a person, which service a generic
question is about, and the two-stage fallback that offers the most likely FAQ topics."""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot import settings
from bot.faq import catalog
from bot.support import contacts, topics

FALLBACK_TOPICS = 3
logger = logging.getLogger(__name__)


def _latest_entity(tracker: Tracker, name: str) -> Optional[str]:
    values = [e.get("value") for e in tracker.latest_message.get("entities", []) if e.get("entity") == name]
    return values[-1] if values else None


def _service(tracker: Tracker) -> Optional[str]:
    """The service this message or the conversation is about, if it is known."""
    service = _latest_entity(tracker, "service") or tracker.get_slot("service")
    return service if service in contacts.SERVICES else None


def _services_of_verified_customer(tracker: Tracker) -> List[str]:
    """Services of the customer's contracts, when identity is proven (else nothing is looked up)."""
    from actions.identity import current_identity
    from bot.storage import repository

    try:
        ident = current_identity(tracker)
        account = repository.load_account(ident.account_id) if ident.verified else None
    except Exception:  # the accounts database being down must not break a general answer
        logger.warning("could not load the customer's contracts for disambiguation", exc_info=True)
        return []
    if account is None:
        return []
    return sorted({getattr(c.service, "value", c.service) for c in account.contracts})


def _utter_faq(dispatcher: CollectingDispatcher, key: str) -> None:
    dispatcher.utter_message(response=f"utter_faq/{key}")


class ActionHumanHandoff(Action):
    def name(self) -> Text:
        return "action_human_handoff"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        now = settings.now()
        service = _service(tracker)
        if service:
            dispatcher.utter_message(text="担当窓口をご案内します。\n" + contacts.contact_for(service).describe(now))
            return [SlotSet("service", service)]
        lines = [contacts.contact_for(s).describe(now) for s in contacts.SERVICES]
        dispatcher.utter_message(text="各サービスの窓口をご案内します。\n\n" + "\n\n".join(lines))
        return []


def _message_services(tracker: Tracker) -> List[str]:
    """The services the latest message names or implies (entities: spaCy's and the service words')."""
    values = [e.get("value") for e in tracker.latest_message.get("entities", []) if e.get("entity") == "service"]
    return [v for v in dict.fromkeys(values) if v in contacts.SERVICES]


def _top_faq_key(tracker: Tracker) -> Optional[str]:
    selector = (tracker.latest_message.get("response_selector") or {}).get("faq") or {}
    key = str((selector.get("response") or {}).get("intent_response_key") or "")
    if not key:
        ranking = selector.get("ranking") or []
        key = str(ranking[0].get("intent_response_key") or "") if ranking else ""
    return key.removeprefix("faq/") or None


def answer_faq(dispatcher: CollectingDispatcher, tracker: Tracker, key: str) -> List[Dict[Text, Any]]:
    """An FAQ answer; a topic with a per-customer rule goes through the account answers (who asks decides)."""
    from bot import answers

    question = answers.question_for_faq(key)
    if question is None:
        _utter_faq(dispatcher, key)
        return []
    from actions.account import respond

    return respond(dispatcher, tracker, question.key, faq_key=key)


class ActionDisambiguateService(Action):
    """A question whose answer depends on the service (「解約したい」「営業時間は？」): answered for the
    service the message names or implies, else the one of the conversation (slot `service`), else the
    customer's only contract that has the topic; otherwise the customer picks one of the services whose
    documents answer it (bot.support.topics.resolve)."""

    def name(self) -> Text:
        return "action_disambiguate_service"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        intent = tracker.latest_message.get("intent", {}).get("name")
        named = _message_services(tracker)
        if intent == "choose_service":
            topic, asked = topics.recall(tracker.get_slot("faq_topic"))
            if topic is None:
                resolution = topics.Resolution("ask_topic")
            else:
                resolution = topics.resolve("", asked, named, topic=topic)
        else:
            text, key = tracker.latest_message.get("text", ""), _top_faq_key(tracker)
            slot = tracker.get_slot("service")
            slot = slot if slot in contacts.SERVICES else None
            customer: List[str] = []
            if not named and slot is None:
                customer = _services_of_verified_customer(tracker)
            resolution = topics.resolve(text, key, named, slot_service=slot, customer_services=customer)
        if resolution.kind == "ask_topic":
            dispatcher.utter_message(
                text="恐れ入ります、どのようなことについてのご質問でしょうか。"
                "「リモートサポートの解約」のように、サービス名とご用件を合わせてお送りください。"
            )
            return []
        topic = resolution.topic
        if resolution.kind == "ask_service":
            buttons = [
                {"title": contacts.contact_for(s).name, "payload": f'/choose_service{{"service":"{s}"}}'}
                for s in resolution.services
            ]
            dispatcher.utter_message(
                text=f"「{topic.label}」についてですね。どのサービスについてのご質問でしょうか。", buttons=buttons
            )
            return [SlotSet("faq_topic", topics.remembered(topic, _top_faq_key(tracker)))]
        service = resolution.service
        events: List[Dict[Text, Any]] = []
        if resolution.instead_of and catalog.entry(resolution.key):
            # the conversation stays about its service: the answer is marked as the other one's
            dispatcher.utter_message(
                text=f"【{contacts.contact_for(resolution.instead_of).name}】の資料には「{topic.label}」のご案内がございません。"
                f"ご参考までに、{contacts.contact_for(service).name}の「{topic.label}」をご案内します。"
            )
            return list(answer_faq(dispatcher, tracker, resolution.key)) + [SlotSet("faq_topic", None)]
        if resolution.kind == "answer" and catalog.entry(resolution.key):
            events = answer_faq(dispatcher, tracker, resolution.key)
        else:
            contact = contacts.contact_for(service)
            dispatcher.utter_message(
                text=f"【{contact.name}】の{topic.label}について、ご案内できる資料がございません。"
                f"お手数ですが窓口へお問い合わせください。\n{contact.describe(settings.now())}"
            )
        return list(events) + [SlotSet("service", service), SlotSet("faq_topic", None)]


class ActionAnswerFaqTopic(Action):
    """A FAQ topic chosen with a button (payload /choose_faq{"faq_topic": "<key>"})."""

    def name(self) -> Text:
        return "action_answer_faq_topic"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        entry = catalog.entry(_latest_entity(tracker, "faq_topic") or "")
        if entry is None:
            dispatcher.utter_message(response="utter_default")
            return []
        return answer_faq(dispatcher, tracker, entry.key) + [SlotSet("service", entry.service)]


class ActionOfferFaqTopics(Action):
    """Two-stage fallback: first offer the most likely FAQ topics, then give up politely."""

    def name(self) -> Text:
        return "action_offer_faq_topics"

    @staticmethod
    def _candidates(tracker: Tracker) -> List[catalog.FaqEntry]:
        ranking = tracker.latest_message.get("response_selector", {}).get("faq", {}).get("ranking", [])
        found = []
        for candidate in ranking:
            key = str(candidate.get("intent_response_key", "")).removeprefix("faq/")
            entry = catalog.entry(key)
            if entry and entry not in found:
                found.append(entry)
            if len(found) == FALLBACK_TOPICS:
                break
        return found

    @staticmethod
    def _offered_just_before(tracker: Tracker) -> bool:
        actions = [e.get("name") for e in tracker.events if e.get("event") == "action"]
        # the current run is not an event yet; skip Rasa's listen/extract bookkeeping
        meaningful = [a for a in actions if a not in ("action_listen", "action_extract_slots")]
        return bool(meaningful) and meaningful[-1] == "action_offer_faq_topics"

    @staticmethod
    def _account_question(tracker: Tracker) -> Optional[Dict[str, str]]:
        """A question about the customer's own contracts among the likely intents, as a button."""
        from bot.answers import QUESTIONS

        ranking = [r.get("name", "") for r in tracker.latest_message.get("intent_ranking", [])[:3]]
        for name in ranking:
            question = QUESTIONS.get(name.removeprefix("account_")) if name.startswith("account_") else None
            if question:
                return {"title": f"ご契約の{question.title}"[:24], "payload": f"/{name}"}
        return None

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        candidates = self._candidates(tracker)
        account = self._account_question(tracker)
        if self._offered_just_before(tracker) or not (candidates or account):
            dispatcher.utter_message(response="utter_default")
            return []
        buttons = [
            {"title": entry.title, "payload": f'/choose_faq{{"faq_topic":"{entry.key}"}}'} for entry in candidates
        ]
        if account:
            buttons = [account] + buttons[: FALLBACK_TOPICS - 1]
        buttons.append({"title": "いずれでもない", "payload": "/none_of_these"})
        dispatcher.utter_message(
            text="申し訳ございません、ご質問を確実に理解できませんでした。次のいずれかについてでしょうか。", buttons=buttons
        )
        return []
