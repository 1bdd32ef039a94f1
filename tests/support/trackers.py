"""The one tracker builder of the tests (a rasa_sdk Tracker as the action server receives it), the
action runner and what the customer sees of one run."""
from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

NOW = 1_795_000_000.0          # a fixed real-clock instant for identity times
SENDER = "conv-test-1"
# every slot of the domain the actions read, empty unless a test sets it
EMPTY_SLOTS = ("identity_proof", "identity_lock", "pending_question", "verify_contract_no", "verify_phone_last4",
               "service")


def user_event(text: str, intent: str, timestamp: float, metadata: Optional[dict] = None,
               entities: Optional[list] = None) -> Dict[str, Any]:
    return {
        "event": "user", "timestamp": timestamp, "text": text, "metadata": metadata or {},
        "parse_data": {"intent": {"name": intent, "confidence": 1.0}, "entities": entities or [], "text": text},
    }


def make_tracker(text: str = "", intent: str = "", *, slots: Optional[Dict[str, Any]] = None,
                 metadata: Optional[dict] = None, entities: Optional[list] = None,
                 response_selector: Optional[dict] = None, parse: Optional[Dict[str, Any]] = None,
                 sender: str = SENDER, events: Optional[List[dict]] = None,
                 previous_message_at: Optional[float] = NOW - 30, earlier_messages: tuple = (),
                 active_loop: Optional[str] = None, requested_slot: Optional[str] = None) -> Tracker:
    """A tracker whose latest message is `text` (or a whole NLU `parse`), last in its events as Rasa
    sends it. Earlier events: `events` if given, else a greeting at each of `earlier_messages` and
    `previous_message_at` (the identity proof's clock reads those)."""
    latest = dict(parse) if parse is not None else {
        "intent": {"name": intent, "confidence": 1.0}, "entities": entities or [], "text": text,
        "metadata": metadata or {}}
    if response_selector:
        latest["response_selector"] = response_selector
    history = list(events) if events is not None else []
    if events is None:
        moments = sorted(list(earlier_messages) + ([previous_message_at] if previous_message_at is not None else []))
        for moment in moments:
            history.append(user_event("こんにちは", "greet", moment))
            history.append({"event": "action", "timestamp": moment + 1, "name": "utter_greet"})
    history.append(user_event(latest.get("text") or "", latest["intent"]["name"], NOW, latest.get("metadata"),
                              latest.get("entities")))
    all_slots: Dict[str, Any] = dict.fromkeys(EMPTY_SLOTS)
    all_slots["requested_slot"] = requested_slot
    all_slots.update(slots or {})
    return Tracker(sender, all_slots, latest, history, False, None,
                   {"name": active_loop} if active_loop else {}, "action_listen")


def run_action(action, tracker: Tracker):
    """(events, messages) of one action run."""
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, {}))
    return events, dispatcher.messages


def slot_events(events) -> Dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def texts(messages) -> str:
    """Everything the customer sees: texts and button titles/payloads."""
    parts = []
    for m in messages:
        parts.append(m.get("text") or "")
        for b in m.get("buttons") or []:
            parts.append(b["title"])
            parts.append(b["payload"])
    return "\n".join(parts)
