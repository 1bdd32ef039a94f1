"""Prometheus metrics of the Rasa server, served at ``GET /metrics`` (bot/channels/staff.py).

Every metric is named ``madoguchi_…``. The API (call it from as few places as possible)::

    metrics.message_received(channel)      metrics.reply(kind)
    metrics.latency(seconds)               metrics.verification(outcome)
    metrics.action_error(action, reason)   metrics.set_model(name)

``install()`` (done by the staff channel at import) hooks Rasa 3.6 once, so that no channel has to
count anything itself: ``MessageProcessor.handle_message`` (one customer message: channel, latency,
and, from the turn's events, the reply kind and any verification outcome, read by
bot.staff.turns) and ``RemoteAction.run`` (action-server errors and timeouts). Counting never
breaks a reply: a failure to count is logged and ignored.

Each Rasa server keeps its own figures (one process each); with several servers (``make cluster``)
Prometheus scrapes every server and sums (deploy/prometheus.yml).
"""
from __future__ import annotations

import asyncio
import contextvars
import logging
import time
from pathlib import Path
from typing import Any, Dict, Optional, Tuple

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client import disable_created_metrics

from bot.staff import turns

logger = logging.getLogger(__name__)

disable_created_metrics()  # no *_created series: they only clutter dashboards
REGISTRY = CollectorRegistry(auto_describe=True)
MESSAGES = Counter("madoguchi_messages", "Customer messages handled by Rasa, by input channel",
                   ["channel"], registry=REGISTRY)
REPLIES = Counter("madoguchi_replies", "Bot replies by kind (faq, account, fallback, disambiguation, handoff, "
                  "out_of_scope, verification, smalltalk, other, no_reply)", ["kind"], registry=REGISTRY)
FALLBACKS = Counter("madoguchi_fallbacks", "Two-stage fallback turns by stage (topics offered, apology)",
                    ["stage"], registry=REGISTRY)
VERIFICATIONS = Counter("madoguchi_verifications", "In-chat identity verifications by outcome "
                        "(success, failure, locked)", ["outcome"], registry=REGISTRY)
ACTION_ERRORS = Counter("madoguchi_action_errors", "Failed calls to the action server by reason (error, timeout)",
                        ["reason", "action"], registry=REGISTRY)
LATENCY = Histogram("madoguchi_reply_latency_seconds", "Time Rasa took to handle one customer message",
                    buckets=(0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 15.0), registry=REGISTRY)
MODEL = Gauge("madoguchi_model_info", "The model this Rasa server runs (value 1, name in the label)",
              ["model"], registry=REGISTRY)
STARTED = Gauge("madoguchi_start_time_seconds", "Unix time this Rasa server process started", registry=REGISTRY)
STARTED.set(time.time())

for _kind in turns.KINDS:
    REPLIES.labels(kind=_kind)
for _outcome in (turns.VERIFIED, turns.FAILED, turns.LOCKED):
    VERIFICATIONS.labels(outcome=_outcome)
for _stage in ("topics", "apology"):
    FALLBACKS.labels(stage=_stage)

_model_name: Optional[str] = None


def message_received(channel: Optional[str]) -> None:
    MESSAGES.labels(channel=channel or "unknown").inc()


def reply(kind: str) -> None:
    REPLIES.labels(kind=kind if kind in turns.KINDS else turns.OTHER).inc()


def fallback(stage: int) -> None:
    FALLBACKS.labels(stage="topics" if stage == 1 else "apology").inc()


def latency(seconds: float) -> None:
    LATENCY.observe(max(0.0, seconds))


def verification(outcome: str) -> None:
    VERIFICATIONS.labels(outcome=outcome).inc()


def action_error(action: str, reason: str) -> None:
    ACTION_ERRORS.labels(reason=reason, action=action or "?").inc()


def set_model(name: Optional[str]) -> None:
    """Remember the running model's file name (models/madoguchi-<data hash>.tar.gz behind the link)."""
    global _model_name
    if not name or name == _model_name:
        return
    MODEL.clear()
    MODEL.labels(model=name).set(1)
    _model_name = name


def model_name() -> Optional[str]:
    return _model_name


def model_name_of(path: Any) -> Optional[str]:
    """The running model's name: models/madoguchi.tar.gz is a hard link (or a symbolic link) to
    models/madoguchi-<training data hash>.tar.gz (Makefile), whose name is returned."""
    if not path:
        return None
    try:
        resolved = Path(path).resolve()
        info = resolved.stat()
        if resolved.name == "madoguchi.tar.gz" and info.st_nlink > 1:
            for sibling in sorted(resolved.parent.glob("madoguchi-*.tar.gz")):
                other = sibling.stat()
                if (other.st_ino, other.st_dev) == (info.st_ino, info.st_dev):
                    return sibling.name
        return resolved.name
    except OSError:
        return Path(path).name


def render() -> Tuple[bytes, str]:
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


# ------------------------------------------------------------------------------ Rasa hooks
_turn: contextvars.ContextVar[Optional[Dict[str, Any]]] = contextvars.ContextVar("madoguchi_turn", default=None)
_installed = False


def observe_turn(channel: Optional[str], seconds: float, events: Any) -> None:
    """Count one handled message from the events Rasa logged for it (dicts, oldest first)."""
    message_received(channel)
    latency(seconds)
    turn = turns.last_turn(events)
    if turn is None:
        return
    reply(turn.kind)
    if turn.fallback_stage:
        fallback(turn.fallback_stage)
    if turn.verification:
        verification(turn.verification)


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


def install() -> None:
    """Hook Rasa once (idempotent); a no-op where Rasa is not installed (the action server)."""
    global _installed
    if _installed:
        return
    try:
        from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
        from rasa.core.processor import MessageProcessor
    except ImportError:
        return
    _installed = True
    original_handle = MessageProcessor.handle_message
    original_loop = MessageProcessor._run_prediction_loop
    original_run = RemoteAction.run

    async def handle_message(self: Any, message: Any) -> Any:
        started = time.perf_counter()
        holder: Dict[str, Any] = {}
        token = _turn.set(holder)
        try:
            return await original_handle(self, message)
        finally:
            _turn.reset(token)
            try:
                set_model(model_name_of(getattr(self, "model_path", None)))
                tracker = holder.get("tracker")
                observe_turn(getattr(message, "input_channel", None), time.perf_counter() - started,
                             _turn_events(tracker) if tracker is not None else [])
            except Exception:
                logger.exception("could not count a message for /metrics")

    async def _run_prediction_loop(self: Any, output_channel: Any, tracker: Any) -> Any:
        holder = _turn.get()
        if holder is not None:
            holder["tracker"] = tracker
        return await original_loop(self, output_channel, tracker)

    async def run(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return await original_run(self, *args, **kwargs)
        except ActionExecutionRejection:
            raise
        except Exception as exc:
            action_error(self.name(), "timeout" if _is_timeout(exc) else "error")
            raise

    MessageProcessor.handle_message = handle_message
    MessageProcessor._run_prediction_loop = _run_prediction_loop
    RemoteAction.run = run
