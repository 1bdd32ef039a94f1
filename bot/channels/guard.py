"""Input rules shared by the REST and socket.io channels (bad input, slash commands, privacy, faults).

* ``clean_text(text) -> (text | None, reply | None)``: control characters, bidi overrides and lone
  surrogates removed, full phone numbers reduced to their last 4 digits; empty text and text over
  MAX_CHARS (counted after NFKC) get a polite reply instead of reaching NLU.
* ``filter_slash(text)``: Rasa reads ``/intent{"entity": ...}`` as an already-classified message.
  Only the payloads of the bot's own buttons (BUTTON_PAYLOADS) keep that meaning; any other text
  starting with ``/`` reaches NLU as plain text (its ``/`` becomes ``／``), so typing slash syntax
  can never prove identity, set account slots or name another customer's data.
* ``secure_metadata(raw, sender_id, extra, client)``: only the login token is passed on, and not as
  such: it is checked here and replaced with a conversation-bound claim (bot.identity.claims),
  so the tracker store never holds a login token. ``display`` (the title of a clicked button) goes
  through the same text rules as a message (clean_display); ``today`` (YYYY-MM-DD, staff testing)
  only outside production; ``client`` is the channel's own id of the caller (a socket.io
  connection, a REST conversation), used by the verification limits (bot.identity.limits) -- never
  taken from the caller's metadata.
* ``MESSAGE_RATE`` / ``RATE_LIMIT_REPLY``: at most MADOGUCHI_MESSAGES_PER_MINUTE (30) messages per
  client per minute; more get a polite request to wait.
* ``limit_request_size(app)``: Sanic's body limit (plain and chunked bodies) of the Rasa server set
  to MAX_BODY_BYTES (MADOGUCHI_MAX_BODY_BYTES, default 256 KiB, the REST channel's own limit).

What the channels send when Rasa produced no answer is bot.channels.no_reply; repeated messages,
bot.channels.repeats. Importing this module also installs log masking (bot.privacy.logs).
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import re
import time
import unicodedata
from typing import Any, Callable, Dict, Optional, Tuple

from bot.engine import services
from bot.nlu.normalize import normalize
from bot.privacy import logs, phones

logger = logging.getLogger(__name__)

MAX_CHARS = int(os.environ.get("MADOGUCHI_MAX_MESSAGE_CHARS", "1000"))
MAX_TOKEN_CHARS = 4096
MAX_DISPLAY_CHARS = 200


def _max_body_bytes() -> int:
    try:
        value = int(os.environ.get("MADOGUCHI_MAX_BODY_BYTES", "") or 256 * 1024)
    except ValueError:
        return 256 * 1024
    return value if value > 0 else 256 * 1024


MAX_BODY_BYTES = _max_body_bytes()
RATE_LIMIT_REPLY = (
    "申し訳ございません。短い時間にたくさんのメッセージが届いたため、いったん受付を止めています。"
    "1分ほど時間をおいてから、もう一度お送りください。"
)

EMPTY_REPLY = "ご質問を入力してください。リモートサポート、ライセンス保守、Linuxmania サポート、レンタル端末/SIM、電話代行についてお答えします。"
TOO_LONG_REPLY = (
    "申し訳ございません。メッセージが長すぎるため読み取れませんでした。"
    f"ご質問は{MAX_CHARS}文字以内で、要点を分けてお送りください。"
)
logs.install()


def limit_request_size(app: Any) -> None:
    """The Rasa server's Sanic body limit (default 100 MB, chunked bodies included) down to
    MAX_BODY_BYTES. Called when a channel's blueprint is registered, before the server starts."""
    try:
        current = int(app.config.REQUEST_MAX_SIZE)
    except (AttributeError, TypeError, ValueError):
        current = MAX_BODY_BYTES
    app.config.REQUEST_MAX_SIZE = min(current, MAX_BODY_BYTES)


def _message_rate() -> Any:
    from bot.channels.rates import MessageRate

    return MessageRate()


MESSAGE_RATE = _message_rate()


# ------------------------------------------------------------------------------ the text
_BIDI_AND_INVISIBLE = {
    0x061C, 0x200B, 0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E,
    0x2066, 0x2067, 0x2068, 0x2069, 0xFEFF, 0x2028, 0x2029,
}


def _keep(ch: str) -> str:
    code = ord(ch)
    if 0xD800 <= code <= 0xDFFF:          # lone surrogate: not text
        return ""
    if code in _BIDI_AND_INVISIBLE:
        return ""
    if ch in "\n\t":
        return ch
    category = unicodedata.category(ch)
    if category == "Cc":                  # other control characters
        return " " if ch == "\r" else ""
    return ch


def strip_unsafe(text: str) -> str:
    """Text without control characters (except newline and tab), bidi controls and surrogates."""
    return "".join(_keep(ch) for ch in text)


def clean_text(text: Any) -> Tuple[Optional[str], Optional[str]]:
    """(text for Rasa, None) or (None, polite reply). Non-strings get the "empty" reply."""
    if not isinstance(text, str):
        return None, EMPTY_REPLY
    # Count after NFKC (DEVELOPERS.md); a huge message is not even cleaned in full.
    if len(text) > MAX_CHARS * 8 or len(normalize(strip_unsafe(text))) > MAX_CHARS:
        return None, TOO_LONG_REPLY
    cleaned = strip_unsafe(text).strip()
    if not cleaned:
        return None, EMPTY_REPLY
    return filter_slash(phones.redact(cleaned)), None


# ------------------------------------------------------------------------------ slash commands
_FAQ_TOPIC = re.compile(r"^[A-Za-z0-9_]{1,80}$")

# The payloads the bot's buttons send (actions/general.py, bot/answers/):
# intent -> {entity: validator}. Nothing else is read as slash syntax.
BUTTON_PAYLOADS: Dict[str, Dict[str, Callable[[Any], bool]]] = {
    "choose_service": {"service": lambda v: services.lookup(v) is not None},
    "choose_faq": {"faq_topic": lambda v: isinstance(v, str) and bool(_FAQ_TOPIC.match(v))},
    "none_of_these": {},
    "request_verification": {},
    "decline_verification": {},
    "choose_contract": {"contract_no": lambda v: isinstance(v, str) and bool(services.CONTRACT_NO.match(v))},
}
_SLASH = re.compile(r"^/([A-Za-z_]+)(\{.*\})?$", re.DOTALL)
FULLWIDTH_SOLIDUS = "／"


def button_payload(text: str) -> Optional[str]:
    """The canonical form of one of the bot's button payloads, or None."""
    match = _SLASH.match(text.strip())
    if not match:
        return None
    intent, raw = match.group(1), match.group(2)
    allowed = BUTTON_PAYLOADS.get(intent)
    if allowed is None:
        return None
    entities: Any = {}
    if raw is not None:
        try:
            entities = json.loads(raw)
        except ValueError:
            return None
    if not isinstance(entities, dict) or set(entities) != set(allowed):
        return None
    if not all(check(entities[name]) for name, check in allowed.items()):
        return None
    if not entities:
        return f"/{intent}"
    return f"/{intent}" + json.dumps(entities, ensure_ascii=False, separators=(",", ":"))


def filter_slash(text: str) -> str:
    """A button payload stays as it is; any other text starting with '/' becomes plain text."""
    stripped = text.strip()
    if not stripped.startswith("/"):
        return text
    payload = button_payload(stripped)
    if payload is not None:
        return payload
    return FULLWIDTH_SOLIDUS + stripped[1:]


# ------------------------------------------------------------------------------ metadata
def _verify_token(token: str, exists: Optional[Callable[[str], bool]] = None) -> Tuple[str, float]:
    """(account id, expiry) of a valid login token; raises bot.identity.tokens.TokenError."""
    from bot.identity import tokens

    return tokens.verify_with_expiry(token, exists=exists)


async def claim_for_token(token: Any, sender_id: str) -> Optional[str]:
    """The conversation claim that replaces a login token (claims.CLAIM_REJECTED if invalid)."""
    from bot.identity import claims

    if token is None or token == "":
        return None
    if not isinstance(token, str) or len(token) > MAX_TOKEN_CHARS or not token.strip():
        return claims.CLAIM_REJECTED
    from bot.identity.tokens import TokenError

    try:
        try:
            account_id, expires = await asyncio.wait_for(asyncio.to_thread(_verify_token, token), 2.0)
        except TokenError:
            raise
        except Exception as exc:  # accounts database down or slow: signature and expiry only
            logger.warning("login token checked without the accounts database (%s)", exc.__class__.__name__)
            account_id, expires = _verify_token(token, exists=lambda _: True)
        expires = min(expires, time.time() + claims.CLAIM_MAX_SECONDS)
        return claims.issue_claim(account_id, sender_id, expires)
    except TokenError:
        return claims.CLAIM_REJECTED
    except Exception as exc:
        logger.warning("login token could not be checked (%s)", exc.__class__.__name__)
        return claims.CLAIM_REJECTED


def clean_display(value: Any) -> Optional[str]:
    """The `display` metadata (what the chat page shows for a clicked button) under the rules of a
    message: control/bidi characters removed, phone numbers reduced to their last 4 digits, at most
    MAX_DISPLAY_CHARS; None when nothing is left."""
    if not isinstance(value, str):
        return None
    cleaned = strip_unsafe(value[: MAX_DISPLAY_CHARS * 4]).strip()[:MAX_DISPLAY_CHARS]
    if not cleaned:
        return None
    return phones.redact(cleaned)


_TODAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def clean_today(value: Any) -> Optional[str]:
    """`metadata.today` (staff testing, "YYYY-MM-DD"): kept outside production only."""
    from datetime import date

    from bot import settings

    if not settings.dev_mode() or not isinstance(value, str) or not _TODAY.match(value.strip()):
        return None
    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        return None


async def secure_metadata(raw: Any, sender_id: str, extra: Optional[Dict[str, Any]] = None,
                          client: Optional[str] = None) -> Dict[str, Any]:
    """Metadata for Rasa: the login token replaced by a claim; `display` and `today` of `extra`
    (else of `raw`) cleaned; the channel's `client` id. Nothing else."""
    metadata: Dict[str, Any] = {}
    sources = [m for m in (extra, raw) if isinstance(m, dict)]
    for source in sources:
        display = clean_display(source.get("display"))
        if display:
            metadata["display"] = display
            break
    for source in sources:
        today = clean_today(source.get("today"))
        if today:
            metadata["today"] = today
            break
    token = raw.get("token") if isinstance(raw, dict) else None
    claim = await claim_for_token(token, sender_id)
    if claim:
        metadata["token"] = claim
    if client:
        metadata["client"] = client
    return metadata


def client_id(kind: str, value: str) -> str:
    """The `client` metadata: ``<kind>:<hash>`` (socket.io connection id, REST conversation), so
    that the raw connection id never reaches the tracker store."""
    digest = hashlib.sha256(f"{kind}\x1f{value}".encode("utf-8", "replace")).hexdigest()[:24]
    return f"{kind}:{digest}"
