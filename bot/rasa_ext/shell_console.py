"""``make shell``: Rasa's console (rasa.core.channels.console) and command line channel, hooked for
a staff session (bot.staff.shell.StaffSession: login token, diagnostics, the Rasa app).

Rasa 3.6 offers no hook for any of it: the console's sending, reading and printing functions are
module-private, so they are replaced here, and ``rasa.core.run.configure_app`` is wrapped to keep
the app whose agent the diagnostics read.
"""
from __future__ import annotations

import functools
from typing import Any, AsyncGenerator, Dict, List, Optional

from bot.rasa_ext.base import Extension, Symbol

_session: Any = None


def use(session: Any) -> None:
    """The staff session the hooks serve (set before the extension is applied)."""
    global _session
    _session = session


def _hook_console() -> None:
    import aiohttp
    import rasa.core.run
    import rasa.shared.utils.cli
    import rasa.shared.utils.io
    from rasa.cli import utils as cli_utils
    from rasa.core.channels import console

    session = _session
    if session is None:
        raise RuntimeError("bot.rasa_ext.shell_console.use(session) must come first")
    original_configure_app = rasa.core.run.configure_app

    @functools.wraps(original_configure_app)
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


_CONSOLE = "rasa.core.channels.console"

SHELL_CONSOLE = Extension(
    name="shell-console",
    why="make shell sends the staff session's login token and prints the diagnostic line",
    symbols=(
        Symbol(_CONSOLE, "_send_message_receive_stream", "server_url, auth_token, sender_id, message, request_timeout="),
        Symbol(_CONSOLE, "_get_user_input", "previous_response"),
        Symbol(_CONSOLE, "_print_bot_output", "message, is_latest_message=, color="),
        Symbol(_CONSOLE, "_get_stream_reading_timeout", "request_timeout="),
        Symbol(_CONSOLE, "CmdlineInput.get_metadata", "self, request"),
        Symbol("rasa.core.run", "configure_app"),
        Symbol("rasa.cli.utils", "payload_from_button_question", "button_question"),
        Symbol("rasa.cli.utils", "FREE_TEXT_INPUT_PROMPT"),
    ),
    apply=_hook_console,
)
