"""Prometheus metrics of the Rasa server, served at ``GET /metrics`` (bot/channels/staff.py).

Every metric is named ``madoguchi_…``. The API (call it from as few places as possible)::

    metrics.message_received(channel)      metrics.reply(kind)
    metrics.latency(seconds)               metrics.verification(outcome)
    metrics.action_error(action, reason)   metrics.set_model(name)

Rasa is hooked once at start-up (bot.rasa_ext.metrics_hooks, installed with the other Rasa
extensions), so that no channel has to count anything itself: each customer message reaches
``observe_turn`` (channel, latency, and, from the turn's events, the reply kind and any verification
outcome, read by bot.staff.turns), each failed action-server call ``action_error``.

Each Rasa server keeps its own figures (one process each); with several servers (``make cluster``)
Prometheus scrapes every server and sums (deploy/prometheus.yml).
"""
from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any, Optional, Tuple

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


# ------------------------------------------------------------------------------ one turn
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
