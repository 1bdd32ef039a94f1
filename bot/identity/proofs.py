"""In-chat verification's result, the identity *proof*: ``v1:<account id>:<unix time>:<HMAC hex>``.

The MAC (bot.identity.signing, purpose ``chat-identity``) covers the account id, the conversation
id and the time. Only the action server can produce one, it is worthless in another conversation,
and it is checked on every use. It lapses after IDLE_MINUTES without messages from the customer
(checked on the conversation's message timestamps); every use re-issues it with a new time.

Times are real Unix times (the tracker's event timestamps), not MADOGUCHI_TODAY.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Optional

from bot.identity import signing

VERSION = signing.FIELDS_VERSION
IDLE_MINUTES = 15
_PURPOSE = "chat-identity"

# Why a stored proof no longer identifies the customer (shown politely, never with details).
PROOF_EXPIRED = "proof_expired"
PROOF_INVALID = "proof_invalid"


def issue_proof(account_id: str, conversation_id: str, now: float, *, secret: Optional[bytes] = None) -> str:
    """The signed proof that this conversation verified as `account_id` at time `now`."""
    return signing.sign_account_stamp(VERSION, _PURPOSE, account_id, conversation_id, now, secret)


@dataclass(frozen=True)
class ProofCheck:
    account_id: Optional[str]          # set only when the proof is valid and fresh
    problem: Optional[str] = None      # PROOF_INVALID or PROOF_EXPIRED
    issued: Optional[float] = None


def check_proof(proof: Any, conversation_id: str, now: float, message_times: Iterable[float] = (), *,
                secret: Optional[bytes] = None, idle_minutes: int = IDLE_MINUTES) -> ProofCheck:
    """Valid (signature, this conversation) and fresh: since the proof's time, never more than
    `idle_minutes` between two of the customer's messages (`message_times`, the conversation's user
    message timestamps), nor between the last of them and `now`."""
    if proof is None or proof == "":
        return ProofCheck(account_id=None)
    signed = signing.read_account_stamp(proof, VERSION, _PURPOSE, conversation_id, secret)
    if signed is None:
        return ProofCheck(account_id=None, problem=PROOF_INVALID)
    account_id, issued = signed[0], float(signed[1])
    if issued > now + 60:  # from the future: not something we issued
        return ProofCheck(account_id=None, problem=PROOF_INVALID)
    last = issued
    for moment in sorted(t for t in message_times if t > issued):
        if moment - last > idle_minutes * 60:
            return ProofCheck(account_id=None, problem=PROOF_EXPIRED, issued=issued)
        last = moment
    if now - last > idle_minutes * 60:
        return ProofCheck(account_id=None, problem=PROOF_EXPIRED, issued=issued)
    return ProofCheck(account_id=account_id, issued=issued)
