"""The one HMAC-SHA256 helper: keys per purpose, MACs, constant-time comparison.

Everything the bot signs goes through here: chat proofs, conversation claims and lock states
(bot.identity.proofs / claims / locks), the keyed hashes of the verification limits
(bot.identity.limits), socket.io session keys and staff session cookies (bot.channels). Each use
has a key of its own, derived from bot.settings.secret() and a context string, so a value signed
for one purpose never verifies for another. Login tokens are JWTs (PyJWT, bot.identity.tokens).

The wire formats built on it are stored (tracker slots, limit tables) or handed out (session keys,
cookies): a change to a context string or to a message layout invalidates every value in use.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Iterable, Optional, Tuple, Union

from bot import settings

Data = Union[str, bytes]

# Proofs, claims and lock states sign their fields behind this format version.
FIELDS_VERSION = "v1"
FIELD_SEPARATOR = "\x1f"


def _bytes(value: Data) -> bytes:
    # surrogatepass: a value with lone surrogates (from JSON) compares unequal instead of raising
    return value if isinstance(value, bytes) else value.encode("utf-8", "surrogatepass")


def derive_key(context: Data, secret: Optional[bytes] = None) -> bytes:
    """The key for one purpose: HMAC(secret, context), secret = bot.settings.secret() by default."""
    return hmac.new(secret or settings.secret(), _bytes(context), hashlib.sha256).digest()


def mac(key: bytes, message: Data) -> bytes:
    return hmac.new(key, _bytes(message), hashlib.sha256).digest()


def mac_hex(key: bytes, message: Data) -> str:
    return mac(key, message).hex()


def mac_b64(key: bytes, message: Data) -> str:
    """URL-safe base64 without padding (fits in a URL or a cookie)."""
    return base64.urlsafe_b64encode(mac(key, message)).rstrip(b"=").decode("ascii")


def equal(given: Optional[Data], expected: Optional[Data]) -> bool:
    """Constant-time comparison of a value received against the one expected (MACs, shared
    secrets, bearer tokens). None or empty on either side is never equal."""
    if not given or not expected:
        return False
    return hmac.compare_digest(_bytes(given), _bytes(expected))


def sign_fields(purpose: str, fields: Iterable[str], secret: Optional[bytes] = None) -> str:
    """Hex MAC of ``v1 \\x1f field \\x1f ...`` under the key for ``madoguchi/<purpose>``."""
    message = FIELD_SEPARATOR.join([FIELDS_VERSION, *fields])
    return mac_hex(derive_key("madoguchi/" + purpose, secret), message)


def fields_signed(purpose: str, fields: Iterable[str], given_mac: Data, secret: Optional[bytes] = None) -> bool:
    """Whether `given_mac` is sign_fields(purpose, fields) (constant time)."""
    return equal(given_mac, sign_fields(purpose, fields, secret))


def sign_account_stamp(prefix: str, purpose: str, account_id: str, conversation_id: str, stamp: float,
                       secret: Optional[bytes] = None) -> str:
    """``<prefix>:<account id>:<unix time>:<hex MAC>``, the MAC (sign_fields) covering the account id,
    the conversation id and the time: a statement about an account in one conversation (the chat
    proof, the channel's claim)."""
    if not account_id or ":" in account_id:
        raise ValueError("account_id must be non-empty and contain no ':'")
    stamp_text = str(int(stamp))
    mac_text = sign_fields(purpose, (account_id, conversation_id, stamp_text), secret)
    return f"{prefix}:{account_id}:{stamp_text}:{mac_text}"


def read_account_stamp(value: object, prefix: str, purpose: str, conversation_id: str,
                       secret: Optional[bytes] = None) -> Optional[Tuple[str, int]]:
    """(account id, unix time) of a value sign_account_stamp made for this conversation; else None."""
    if not isinstance(value, str):
        return None
    parts = value.split(":")
    if len(parts) != 4 or parts[0] != prefix or not parts[1] or not parts[2].isdigit():
        return None
    account_id, stamp_text, given_mac = parts[1:]
    if not fields_signed(purpose, (account_id, conversation_id, stamp_text), given_mac, secret):
        return None
    return account_id, int(stamp_text)
