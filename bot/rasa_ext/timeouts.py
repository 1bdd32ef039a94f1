"""The action-server timeout: Rasa 3.6 waits up to 300 s (``DEFAULT_REQUEST_TIMEOUT``) for it.

A hung action server would leave the customer waiting five minutes and hold the conversation's
lock. We wait MADOGUCHI_ACTION_TIMEOUT seconds (default 10) instead; after that Rasa logs the
failure and the channel answers with an apology and the contacts (bot.channels.no_reply). Rasa 3.6
has no setting for it: ``RemoteAction.run`` passes the module's ``DEFAULT_REQUEST_TIMEOUT`` to the
request, read when it runs, so the module attribute is rewritten.
"""
from __future__ import annotations

import os
from typing import Optional

from bot.rasa_ext.base import Extension, Symbol

DEFAULT_SECONDS = 10.0


def action_timeout() -> float:
    """Seconds to wait for the action server (MADOGUCHI_ACTION_TIMEOUT, default 10)."""
    try:
        seconds = float(os.environ.get("MADOGUCHI_ACTION_TIMEOUT", str(DEFAULT_SECONDS)))
    except ValueError:
        return DEFAULT_SECONDS
    return seconds if seconds > 0 else DEFAULT_SECONDS


def _set_action_timeout() -> None:
    import rasa.core.actions.action as rasa_action

    rasa_action.DEFAULT_REQUEST_TIMEOUT = action_timeout()


def _read_at_call_time() -> Optional[str]:
    import inspect

    from rasa.core.actions.action import RemoteAction

    # a global name of run()'s code (not a default bound at import): rewriting the module's value works
    if "DEFAULT_REQUEST_TIMEOUT" not in inspect.unwrap(RemoteAction.run).__code__.co_names:
        return "rasa.core.actions.action.RemoteAction.run no longer reads DEFAULT_REQUEST_TIMEOUT when it runs"
    return None


ACTION_TIMEOUT = Extension(
    name="action-timeout",
    why="Rasa waits MADOGUCHI_ACTION_TIMEOUT seconds for the action server instead of 300",
    symbols=(Symbol("rasa.core.actions.action", "DEFAULT_REQUEST_TIMEOUT"),
             Symbol("rasa.core.actions.action", "RemoteAction.run", "self, output_channel, nlg, tracker, domain")),
    apply=_set_action_timeout,
    extra_checks=(_read_at_call_time,),
)
