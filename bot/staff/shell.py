"""``rasa shell`` for staff (``make shell``; scripts/shell.sh runs ``python -m bot.staff.shell ARGS``).

It is Rasa's own shell (same arguments, same model and action server), with three additions:

* no DeprecationWarning wall: DeprecationWarning, PendingDeprecationWarning and FutureWarning are
  ignored (only these categories; errors and other warnings still show);
* ``MADOGUCHI_SHELL_DEBUG=1`` (``make shell DEBUG=1``): under each reply, the diagnostic line of
  bot.staff.turns (intent and confidence, FAQ answer key or account question, service slot,
  identified or not, reply kind), read from the conversation's tracker in this process;
* ``MADOGUCHI_SHELL_ACCOUNT=A1001`` (``make shell ACCOUNT=A1001``): every message carries a login
  token minted for this session, replaced by a conversation claim as the channels do, so the
  account answers of that customer can be checked without the in-chat verification.

The hooks into Rasa's console are in bot/rasa_ext/shell_console.py and shell_warnings.py, checked
against the Rasa version at start-up (``rasa_ext.install_shell``).
"""
from __future__ import annotations

import os
import sys
import warnings
from typing import Any, Dict, List, Optional

QUIET_CATEGORIES = (DeprecationWarning, PendingDeprecationWarning, FutureWarning)
SESSION_MINUTES = 8 * 60


def quiet_warnings() -> None:
    """Ignore the deprecation categories, and keep them out of the terminal even where a library
    later puts its own "default"/"always" filters in front (numpy, scipy, Rasa's "once" for
    UserWarning, which some deprecation warnings also are)."""
    for category in QUIET_CATEGORIES:
        warnings.filterwarnings("ignore", category=category)
    show = warnings.showwarning
    if not getattr(show, "_madoguchi_quiet", False):
        def quiet_show(message: Any, category: Any, *args: Any, **kwargs: Any) -> None:
            if not issubclass(category, QUIET_CATEGORIES):
                show(message, category, *args, **kwargs)

        quiet_show._madoguchi_quiet = True  # type: ignore[attr-defined]
        warnings.showwarning = quiet_show
    # the same for anything this process starts
    os.environ["PYTHONWARNINGS"] = ",".join(f"ignore::{c.__name__}" for c in QUIET_CATEGORIES)


class StaffSession:
    """What the console hooks (bot.rasa_ext.shell_console) need: the login token, the debug
    switch, the Rasa app, the diagnostic line waiting to be printed."""

    def __init__(self, debug: bool = False, token: Optional[str] = None) -> None:
        self.debug = debug
        self.token = token
        self.app: Any = None
        self.pending: Optional[str] = None

    async def metadata(self, sender_id: str) -> Dict[str, Any]:
        if not self.token:
            return {}
        from bot.channels import guard

        return await guard.secure_metadata({"token": self.token}, sender_id)

    async def diagnostics(self, sender_id: str) -> str:
        from bot.staff import turns

        agent = getattr(getattr(self.app, "ctx", None), "agent", None)
        if agent is None or agent.tracker_store is None:
            return "[diag] unavailable: no agent"
        tracker = await agent.tracker_store.retrieve(sender_id)
        events = [e.as_dict() for e in tracker.events] if tracker is not None else []
        return turns.diagnostic_line(turns.last_turn(events, sender_id))


def session_from_env() -> StaffSession:
    debug = os.environ.get("MADOGUCHI_SHELL_DEBUG", "").strip().lower() in ("1", "true", "yes", "on")
    account = os.environ.get("MADOGUCHI_SHELL_ACCOUNT", "").strip()
    token = None
    if account:
        from bot.identity.tokens import issue
        from bot.storage.repository import account_exists

        if not account_exists(account):
            raise SystemExit(f"make shell ACCOUNT={account}: no such account in the accounts database "
                             "(see `python -m bot accounts list`)")
        token = issue(account, minutes=SESSION_MINUTES)
        print(f"Testing as the logged-in customer {account} (a login token for this session).")
    return StaffSession(debug=debug, token=token)


def main(argv: Optional[List[str]] = None) -> None:
    quiet_warnings()
    session = session_from_env()
    from bot import rasa_ext

    rasa_ext.install_shell(session, quiet_warnings)  # the console hooks (bot/rasa_ext/shell_console.py)
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", "shell", *(sys.argv[1:] if argv is None else argv)]
    rasa_main()


if __name__ == "__main__":
    main()
