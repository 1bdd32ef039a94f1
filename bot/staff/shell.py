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
"""
from __future__ import annotations

import os
import sys
import warnings
from typing import Any, AsyncGenerator, Dict, List, Optional

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
    """What the patched console needs: the login token, the debug switch, the Rasa app."""

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


def install(session: StaffSession) -> None:
    """Patch Rasa's console (rasa.core.channels.console) and command line channel for the session."""
    import aiohttp
    import rasa.core.run
    import rasa.shared.utils.cli
    import rasa.shared.utils.io
    from rasa.cli import utils as cli_utils
    from rasa.core.channels import console

    import rasa.utils.common

    original_filter = rasa.utils.common._filter_warnings

    def filter_warnings(*args: Any, **kwargs: Any) -> None:
        original_filter(*args, **kwargs)
        quiet_warnings()  # again: Rasa puts "once" for UserWarning first, which some deprecations also are

    rasa.utils.common._filter_warnings = filter_warnings
    original_configure_app = rasa.core.run.configure_app

    def configure_app(*args: Any, **kwargs: Any) -> Any:
        session.app = original_configure_app(*args, **kwargs)
        return session.app

    rasa.core.run.configure_app = configure_app

    def get_metadata(self: Any, request: Any) -> Optional[Dict[str, Any]]:
        body = request.json if isinstance(request.json, dict) else {}
        metadata = body.get("metadata")
        return {"token": metadata["token"]} if isinstance(metadata, dict) and metadata.get("token") else None

    console.CmdlineInput.get_metadata = get_metadata

    async def send(server_url: str, auth_token: str, sender_id: str, message: str,
                   request_timeout: Optional[int] = None) -> AsyncGenerator[Dict[str, Any], None]:
        payload: Dict[str, Any] = {"sender": sender_id, "message": message}
        metadata = await session.metadata(sender_id)
        if metadata:
            payload["metadata"] = metadata
        url = f"{server_url}/webhooks/rest/webhook?token={auth_token}"
        async with aiohttp.ClientSession(timeout=console._get_stream_reading_timeout(request_timeout)) as http:
            async with http.post(url, json=payload, raise_for_status=True) as resp:
                replies: List[Dict[str, Any]] = await resp.json()
        if session.debug:
            try:
                session.pending = await session.diagnostics(sender_id)
            except Exception as exc:  # a diagnostic must never end the session
                session.pending = f"[diag] unavailable: {exc.__class__.__name__}"
        for reply in replies:
            yield reply

    console._send_message_receive_stream = send
    original_input = console._get_user_input

    async def get_user_input(previous_response: Optional[Dict[str, Any]]) -> Optional[str]:
        diag, session.pending = session.pending, None
        if diag is None or previous_response is None:
            if diag:
                rasa.shared.utils.cli.print_color(diag, color=rasa.shared.utils.io.bcolors.OKGREEN)
            return await original_input(previous_response)
        if previous_response.get("buttons") and previous_response.get("text"):
            # the text first, then the diagnostics, then the buttons to choose from
            rasa.shared.utils.cli.print_color(previous_response["text"], color=rasa.shared.utils.io.bcolors.OKBLUE)
            previous_response = {**previous_response, "text": ""}
        question = console._print_bot_output(previous_response, is_latest_message=True)
        rasa.shared.utils.cli.print_color(diag, color=rasa.shared.utils.io.bcolors.OKGREEN)
        if question is None:
            return await original_input(None)
        response = await cli_utils.payload_from_button_question(question)
        if response == cli_utils.FREE_TEXT_INPUT_PROMPT:
            return await original_input(None)
        return response.strip() if response is not None else None

    console._get_user_input = get_user_input


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
    install(session)
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", "shell", *(sys.argv[1:] if argv is None else argv)]
    rasa_main()


if __name__ == "__main__":
    main()
