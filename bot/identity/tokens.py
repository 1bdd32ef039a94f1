"""Signed, expiring login tokens: what the website puts in the chat session of a logged-in customer.

A token is a JWT signed with HMAC-SHA256 (HS256) using bot.settings.secret(). Verification rejects,
with distinct reasons, a malformed token, a tampered one (bad signature), an expired one and one for
an account that does not exist. Expiry uses the real clock, not MADOGUCHI_TODAY.
"""
from __future__ import annotations

import time
from typing import Callable, Dict, Optional, Tuple

import jwt

from bot import settings

ALGORITHM = "HS256"
DEFAULT_MINUTES = 60
ISSUER = "madoguchi"

MALFORMED = "malformed"
TAMPERED = "tampered"
EXPIRED = "expired"
UNKNOWN_ACCOUNT = "unknown_account"


class TokenError(Exception):
    """`reason` is one of MALFORMED, TAMPERED, EXPIRED, UNKNOWN_ACCOUNT."""

    def __init__(self, reason: str, detail: str = ""):
        self.reason = reason
        super().__init__(f"{reason}: {detail}" if detail else reason)


def issue(account_id: str, minutes: int = DEFAULT_MINUTES, *, now: Optional[float] = None,
          secret: Optional[bytes] = None) -> str:
    if not account_id:
        raise ValueError("account_id is required")
    if minutes <= 0:
        raise ValueError("minutes must be positive")
    issued = int(now if now is not None else time.time())
    claims = {"sub": account_id, "iat": issued, "exp": issued + minutes * 60, "iss": ISSUER}
    return jwt.encode(claims, secret or settings.secret(), algorithm=ALGORITHM)


# Accounts seen to exist, with when to look again: the channels verify the token of every message,
# and a database query per message was a tenth of the Rasa server's time (docs/benchmarks.md).
# A deleted account's tokens stay valid for at most EXISTS_TTL seconds more.
EXISTS_TTL = 60.0
_existing: Dict[Tuple[str, str], float] = {}  # (database URL, account id) → look again after


def _default_exists(account_id: str) -> bool:
    from bot.storage.repository import account_exists  # imported late: tokens work without a DB in tests

    key, now = (settings.db_url(), account_id), time.monotonic()
    if _existing.get(key, 0.0) > now:
        return True
    found = account_exists(account_id)
    if found:
        _existing[key] = now + EXISTS_TTL
    return found


def verify(token: str, *, now: Optional[float] = None, secret: Optional[bytes] = None,
           exists: Optional[Callable[[str], bool]] = None) -> str:
    """The account id of a valid token; raises TokenError(reason) otherwise."""
    return verify_with_expiry(token, now=now, secret=secret, exists=exists)[0]


def verify_with_expiry(token: str, *, now: Optional[float] = None, secret: Optional[bytes] = None,
                       exists: Optional[Callable[[str], bool]] = None) -> Tuple[str, float]:
    """(account id, expiry as Unix time) of a valid token; raises TokenError(reason) otherwise."""
    if not isinstance(token, str) or token.count(".") != 2:
        raise TokenError(MALFORMED, "not a token")
    key = secret or settings.secret()
    try:
        # Signature first, expiry checked by hand below so `now` can be injected.
        claims = jwt.decode(token.strip(), key, algorithms=[ALGORITHM], issuer=ISSUER,
                            options={"verify_exp": False, "require": ["sub", "exp", "iat"]})
    except jwt.InvalidSignatureError:
        raise TokenError(TAMPERED, "the signature does not match") from None
    except jwt.DecodeError as exc:
        raise TokenError(MALFORMED, str(exc)) from None
    except jwt.InvalidTokenError as exc:
        raise TokenError(TAMPERED, str(exc)) from None
    current = now if now is not None else time.time()
    if not isinstance(claims.get("exp"), int) or current >= claims["exp"]:
        raise TokenError(EXPIRED, "the token has expired")
    account_id = claims["sub"]
    if not isinstance(account_id, str) or not (exists or _default_exists)(account_id):
        raise TokenError(UNKNOWN_ACCOUNT, f"no account {account_id!r}")
    return account_id, float(claims["exp"])
