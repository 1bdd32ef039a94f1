"""What a channel sends when Rasa produced no answer (the action server is down or failed) or takes
longer than REPLY_TIMEOUT: the FAQ answer of a routed topic (it needs no action server), else an
apology with the contacts of the service the message was about.

Rasa's own wait for the action server is set at start-up (bot.rasa_ext.timeouts).
"""
from __future__ import annotations

import asyncio
import logging
import os
from typing import Any, Awaitable, Callable, Dict, Optional

from bot.engine import services
from bot.rasa_ext.timeouts import action_timeout

logger = logging.getLogger(__name__)

ACTION_TIMEOUT = action_timeout()
# How long a channel waits for Rasa before answering with an apology (Rasa keeps working on it).
REPLY_TIMEOUT = float(os.environ.get("MADOGUCHI_REPLY_TIMEOUT", str(min(ACTION_TIMEOUT + 2, 12))))

NO_REPLY_TEXT = (
    "申し訳ございません。ただいまシステムの一部に不具合があり、お答えを用意できませんでした。"
    "しばらくしてからもう一度お試しいただくか、下記の窓口へお問い合わせください。"
)
SLOW_REPLY_TEXT = (
    "申し訳ございません。ただいまお返事に時間がかかっています。"
    "しばらくしてからもう一度お試しいただくか、下記の窓口へお問い合わせください。"
)
FAQ_WITHOUT_ACCOUNT_TEXT = "ただいまご契約に合わせたお調べができないため、一般的なご案内をお送りします。"


def _parse_data(tracker: Any) -> Dict[str, Any]:
    """The NLU result of the conversation's latest message (intent, entities, response_selector)."""
    latest = getattr(tracker, "latest_message", None)
    data = getattr(latest, "parse_data", None)
    return data if isinstance(data, dict) else {}


def _service_of(tracker: Any) -> Optional[str]:
    """The service the latest message was about (entity, slot, or the account question's intent)."""
    try:
        data = _parse_data(tracker)
        for entity in data.get("entities") or []:
            if entity.get("entity") == "service" and entity.get("value") in services.KEYS:
                return entity["value"]
        intent = (data.get("intent") or {}).get("name") or ""
        if intent.startswith("account_"):
            from bot import answers

            try:
                service = answers.question(intent[len("account_"):]).service
                if service is not None:
                    return service.value
            except Exception:
                pass
        slot = tracker.get_slot("service")
        return slot if slot in services.KEYS else None
    except Exception:
        return None


def _contacts_text(service: Optional[str] = None) -> str:
    try:
        from bot.support import contacts

        return contacts.contacts_text(service)
    except Exception:  # the apology must never fail
        return ""


def no_reply_apology(service: Optional[str] = None, *, slow: bool = False) -> str:
    where = _contacts_text(service)
    return (SLOW_REPLY_TEXT if slow else NO_REPLY_TEXT) + (f"\n{where}" if where else "")


async def _tracker(agent: Any, sender_id: str) -> Any:
    store = getattr(agent, "tracker_store", None)
    if store is None:
        return None
    try:
        return await asyncio.wait_for(store.retrieve(sender_id), 1.0)
    except Exception:
        return None


async def no_reply_text(agent: Any, sender_id: str, *, slow: bool = False) -> str:
    """What to send when Rasa sent nothing: the FAQ answer of a routed topic (it needs no action
    server), else an apology with the contacts of the service the message was about."""
    tracker = await _tracker(agent, sender_id)
    faq = routed_faq_answer(tracker) if tracker is not None and not slow else None
    if faq:
        return faq
    return no_reply_apology(_service_of(tracker) if tracker is not None else None, slow=slow)


def routed_faq_answer(tracker: Any) -> Optional[str]:
    """An FAQ topic routed to the account answers (intent account_topic) whose action could not run:
    the FAQ answer itself still needs no action server."""
    try:
        data = _parse_data(tracker)
        if (data.get("intent") or {}).get("name") != "account_topic":
            return None
        from bot.faq import catalog

        entry = catalog.entry(catalog.selected_key(data.get("response_selector")) or "")
        return f"{FAQ_WITHOUT_ACCOUNT_TEXT}\n{entry.answers[0]}" if entry and entry.answers else None
    except Exception:  # the fallback must never fail
        return None


def log_failure(task: "asyncio.Future[Any]") -> None:
    """Log (with its traceback) the exception a finished Rasa run raised, if any."""
    if task.cancelled():
        return
    exc = task.exception()
    if exc is not None:
        logger.error("Rasa failed to handle a message: %s", exc.__class__.__name__,
                     exc_info=(type(exc), exc, exc.__traceback__))


async def run_in_time(on_new_message: Callable[[Any], Awaitable[Any]], message: Any) -> bool:
    """Run Rasa on `message`; True when it finished within REPLY_TIMEOUT. A run that takes longer goes
    on (Rasa still saves the conversation) and its failure, if any, is logged when it ends."""
    task = asyncio.ensure_future(on_new_message(message))
    done, _ = await asyncio.wait({task}, timeout=REPLY_TIMEOUT)
    if done:
        log_failure(task)
    else:
        task.add_done_callback(log_failure)
    return bool(done)


async def handle_with_fallback(on_new_message: Callable[[Any], Awaitable[Any]], message: Any,
                               agent: Any = None) -> None:
    """Run Rasa on `message`, whose output channel sends straight to the client and counts what it
    sent in `sent` (secure_socketio.SecureSocketIOOutput); when Rasa sends nothing or takes longer
    than REPLY_TIMEOUT, send an apology with the contacts."""
    output = message.output_channel
    sent_before = output.sent
    slow = not await run_in_time(on_new_message, message)
    if output.sent > sent_before and not slow:
        return
    await output.send_response(message.sender_id, {"text": await no_reply_text(agent, message.sender_id, slow=slow)})
