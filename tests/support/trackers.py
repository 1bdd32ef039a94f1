"""The one tracker builder of the tests (rasa_sdk Tracker as the action server receives it) and the
action runner: what the customer sees of one action run."""
from __future__ import annotations

import asyncio
from typing import Any, Dict, Optional

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher


NOW = 1_795_000_000.0          # a fixed real-clock instant for identity times


SENDER = "conv-test-1"


def user_event(text: str, intent: str, timestamp: float, metadata: Optional[dict] = None,
               entities: Optional[list] = None) -> Dict[str, Any]:
    return {
        "event": "user", "timestamp": timestamp, "text": text, "metadata": metadata or {},
        "parse_data": {"intent": {"name": intent, "confidence": 1.0}, "entities": entities or [], "text": text},
    }


def make_tracker(text: str = "", intent: str = "", *, slots: Optional[Dict[str, Any]] = None,
                 metadata: Optional[dict] = None, entities: Optional[list] = None, sender: str = SENDER,
                 previous_message_at: Optional[float] = NOW - 30, earlier_messages: tuple = (),
                 active_loop: Optional[str] = None, requested_slot: Optional[str] = None) -> Tracker:
    """A tracker whose latest message is `text`; earlier customer messages at `earlier_messages`
    and `previous_message_at`."""
    events = []
    moments = sorted(list(earlier_messages) + ([previous_message_at] if previous_message_at is not None else []))
    for moment in moments:
        events.append(user_event("こんにちは", "greet", moment))
        events.append({"event": "action", "timestamp": moment + 1, "name": "utter_greet"})
    events.append(user_event(text, intent, NOW, metadata, entities))
    all_slots = {"identity_proof": None, "identity_lock": None, "pending_question": None,
                 "verify_contract_no": None, "verify_phone_last4": None, "requested_slot": requested_slot,
                 "service": None}
    all_slots.update(slots or {})
    latest = {"intent": {"name": intent, "confidence": 1.0}, "entities": entities or [], "text": text,
              "metadata": metadata or {}}
    return Tracker(sender, all_slots, latest, events, False, None,
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
