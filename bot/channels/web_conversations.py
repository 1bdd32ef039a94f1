"""What the chat channel (bot.channels.secure_socketio) reads and changes in a web conversation's
tracker: the history sent on resume, and the identity proof removed after ログアウト."""
from __future__ import annotations

import logging
from typing import Any, Dict, Iterable, List

logger = logging.getLogger(__name__)

HISTORY_LIMIT = 200
PROOF_SLOT = "identity_proof"


async def history(agent: Any, sender_id: str) -> List[Dict[str, Any]]:
    """The conversation so far, as the chat page shows it (text only)."""
    store = getattr(agent, "tracker_store", None)
    if store is None:
        return []
    try:
        retrieve = getattr(store, "retrieve_full_tracker", None) or store.retrieve
        tracker = await retrieve(sender_id)
    except Exception:  # the page must still work when the store hiccups
        logger.exception("Cannot read the history of a web conversation")
        return []
    if tracker is None:
        return []
    return history_messages(tracker.events)[-HISTORY_LIMIT:]


async def forget_identity(agent: Any, sender_id: str) -> None:
    """Remove the identity proof from the conversation's tracker (after ログアウト)."""
    store = getattr(agent, "tracker_store", None)
    if store is None:
        return
    try:
        lock_store = getattr(agent, "lock_store", None)
        if lock_store is not None:
            async with lock_store.lock(sender_id):   # not in the middle of one of its turns
                await _drop_proof(store, sender_id)
        else:
            await _drop_proof(store, sender_id)
    except Exception:  # the logout itself has happened (the token is gone); log and go on
        logger.exception("Cannot remove the identity proof of a web conversation after logout")


async def _drop_proof(store: Any, sender_id: str) -> None:
    from rasa.shared.core.events import SlotSet

    tracker = await store.retrieve(sender_id)
    if tracker is None or not tracker.get_slot(PROOF_SLOT):
        return
    tracker.update(SlotSet(PROOF_SLOT, None))
    await store.save(tracker)


def history_messages(events: Iterable[Any]) -> List[Dict[str, Any]]:
    """User and bot utterances of a tracker, in the shape the chat page renders."""
    messages: List[Dict[str, Any]] = []
    for event in events:
        kind = getattr(event, "type_name", None)
        timestamp = getattr(event, "timestamp", None)
        if kind == "user":
            metadata = getattr(event, "metadata", None) or {}
            display = metadata.get("display") if isinstance(metadata, dict) else None
            text = display if isinstance(display, str) and display else (event.text or "")
            if text:
                messages.append({"sender": "user", "text": text, "timestamp": timestamp})
        elif kind == "bot":
            data = getattr(event, "data", None) or {}
            buttons = data.get("buttons") or data.get("quick_replies") or []
            parts = [p for p in (event.text or "").strip().split("\n\n") if p] or [""]
            for index, part in enumerate(parts):
                message: Dict[str, Any] = {"sender": "bot", "text": part, "timestamp": timestamp}
                if index == len(parts) - 1 and buttons:
                    message["quick_replies"] = [
                        {"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))}
                        for b in buttons
                        if isinstance(b, dict)
                    ]
                if message["text"] or message.get("quick_replies"):
                    messages.append(message)
    return messages
