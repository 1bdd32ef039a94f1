"""Session keys of the chat channel (bot.channels.secure_socketio): issued by the server, signed.

``web-<secrets.token_urlsafe(24)>`` is the Rasa sender id; the client receives
``<sender id>.<issued at>.<HMAC>`` (the *session key*), signed with a key derived from
``bot.settings.secret()``. Only a key with a valid, unexpired signature resumes a session.
"""
from __future__ import annotations

import secrets
import time
from typing import Any, Optional

from bot.identity import signing

SENDER_PREFIX = "web-"
_SIGNING_CONTEXT = b"madoguchi/chat-session/v1"


def _signature(sender_id: str, issued_at: int) -> str:
    # A key of its own (derived), so a chat-session signature can never double as a login token.
    key = signing.derive_key(_SIGNING_CONTEXT)
    return signing.mac_b64(key, f"{sender_id}.{issued_at}")


def new_sender_id() -> str:
    """A fresh, unguessable Rasa sender id for a web conversation."""
    return SENDER_PREFIX + secrets.token_urlsafe(24)


def sign_session(sender_id: str, issued_at: Optional[int] = None) -> str:
    """The session key handed to the client: ``<sender id>.<issued at>.<signature>``."""
    issued_at = int(time.time()) if issued_at is None else int(issued_at)
    return f"{sender_id}.{issued_at}.{_signature(sender_id, issued_at)}"


def verify_session(session_key: Any, max_age_seconds: Optional[float] = None) -> Optional[str]:
    """The sender id of a session key this server issued (and that has not expired), else None."""
    if not isinstance(session_key, str) or len(session_key) > 200:
        return None
    parts = session_key.split(".")
    if len(parts) != 3:
        return None
    sender_id, issued_text, signature = parts
    if not sender_id.startswith(SENDER_PREFIX) or not issued_text.isdigit():
        return None
    issued_at = int(issued_text)
    expected = _signature(sender_id, issued_at)
    if not signing.equal(signature, expected):
        return None
    now = time.time()
    if issued_at > now + 300:  # from the future: not one of ours
        return None
    if max_age_seconds is not None and now - issued_at > max_age_seconds:
        return None
    return sender_id
