"""Rasa hooked once so that no channel has to count anything for ``/metrics`` (bot.metrics).

* ``MessageProcessor.handle_message``: one customer message (channel, latency, and, from the
  turn's events, the reply kind and any verification outcome: bot.metrics.observe_turn);
* ``MessageProcessor._run_prediction_loop``: only to see the turn's tracker (handle_message does
  not return it for channels that are not collecting);
* ``RemoteAction.run``: action-server errors and timeouts.
Counting never breaks a reply: a failure to count is logged and ignored.
"""
from __future__ import annotations

import asyncio
import contextvars
import functools
import logging
import time
from typing import Any, Dict, Optional

from bot.rasa_ext.base import Extension, Symbol

logger = logging.getLogger(__name__)

_turn: contextvars.ContextVar[Optional[Dict[str, Any]]] = contextvars.ContextVar("madoguchi_turn", default=None)


def _turn_events(tracker: Any) -> list:
    """This turn's events as dicts, from the last user event on (all the counters need)."""
    collected = []
    for event in reversed(tracker.events):
        collected.append(event.as_dict())
        if collected[-1].get("event") == "user":
            break
    return list(reversed(collected))


def _is_timeout(exc: BaseException) -> bool:
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, asyncio.TimeoutError) or "Timeout" in type(exc).__name__:
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


def _hook() -> None:
    from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
    from rasa.core.processor import MessageProcessor

    from bot import metrics

    original_handle = MessageProcessor.handle_message
    original_loop = MessageProcessor._run_prediction_loop
    original_run = RemoteAction.run

    @functools.wraps(original_handle)
    async def handle_message(self: Any, message: Any) -> Any:
        started = time.perf_counter()
        holder: Dict[str, Any] = {}
        token = _turn.set(holder)
        try:
            return await original_handle(self, message)
        finally:
            _turn.reset(token)
            try:
                metrics.set_model(metrics.model_name_of(getattr(self, "model_path", None)))
                tracker = holder.get("tracker")
                metrics.observe_turn(getattr(message, "input_channel", None), time.perf_counter() - started,
                                     _turn_events(tracker) if tracker is not None else [])
            except Exception:
                logger.exception("could not count a message for /metrics")

    @functools.wraps(original_loop)
    async def _run_prediction_loop(self: Any, output_channel: Any, tracker: Any) -> Any:
        holder = _turn.get()
        if holder is not None:
            holder["tracker"] = tracker
        return await original_loop(self, output_channel, tracker)

    @functools.wraps(original_run)
    async def run(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return await original_run(self, *args, **kwargs)
        except ActionExecutionRejection:
            raise
        except Exception as exc:
            metrics.action_error(self.name(), "timeout" if _is_timeout(exc) else "error")
            raise

    MessageProcessor.handle_message = handle_message
    MessageProcessor._run_prediction_loop = _run_prediction_loop
    RemoteAction.run = run


def _loop_runs_inside_handle_message() -> Optional[str]:
    import inspect

    from rasa.core.processor import MessageProcessor

    if "_run_prediction_loop" not in inspect.unwrap(MessageProcessor.handle_message).__code__.co_names:
        return ("rasa.core.processor.MessageProcessor.handle_message no longer calls _run_prediction_loop: "
                "the metrics would not see the turn's tracker")
    return None


METRICS = Extension(
    name="metrics-hooks",
    why="messages, replies, latency and action-server errors counted for /metrics",
    symbols=(
        Symbol("rasa.core.processor", "MessageProcessor.handle_message", "self, message"),
        Symbol("rasa.core.processor", "MessageProcessor._run_prediction_loop", "self, output_channel, tracker"),
        Symbol("rasa.core.actions.action", "RemoteAction.run", "self, output_channel, nlg, tracker, domain"),
        Symbol("rasa.core.actions.action", "ActionExecutionRejection"),
    ),
    apply=_hook,
    extra_checks=(_loop_runs_inside_handle_message,),
)
