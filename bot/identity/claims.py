"""Conversation claims: what the channels pass on to Rasa instead of a login token.

``claim1:<account id>:<expires>:<HMAC hex>`` says the channel checked a login token for that account
in this conversation (bot.identity.signing, purpose ``chat-claim``, covering the account id, the
conversation id and the expiry). The raw token is never stored in the tracker.
"""
from __future__ import annotations

from typing import Any, Optional

from bot.identity import signing

CLAIM_PREFIX = "claim1"
CLAIM_REJECTED = CLAIM_PREFIX + ":rejected"   # the channel saw a token and rejected it
CLAIM_MAX_SECONDS = 24 * 3600
_PURPOSE = "chat-claim"


def issue_claim(account_id: str, conversation_id: str, expires: float, *, secret: Optional[bytes] = None) -> str:
    """The claim for `account_id` in this conversation, valid until `expires` (Unix time)."""
    return signing.sign_account_stamp(CLAIM_PREFIX, _PURPOSE, account_id, conversation_id, expires, secret)


def is_claim(token: Any) -> bool:
    """A value in the claim format (valid or not), as opposed to a login token."""
    return isinstance(token, str) and token.startswith(CLAIM_PREFIX + ":")


def check_claim(claim: Any, conversation_id: str, now: float, *, secret: Optional[bytes] = None) -> Optional[str]:
    """The account id of a valid, unexpired claim for this conversation; else None."""
    signed = signing.read_account_stamp(claim, CLAIM_PREFIX, _PURPOSE, conversation_id, secret)
    if signed is None:
        return None
    account_id, expiry = signed
    if now >= expiry or expiry > now + CLAIM_MAX_SECONDS + 60:
        return None
    return account_id
