"""Who is writing: the identity of the customer sending the current message (no Rasa imports).

Two ways to be someone:
* a login token from the website (`metadata.token` of the message), checked on every message with
  bot.identity.tokens.verify, or the conversation claim the channel put in its place
  (bot.identity.claims);
* in-chat verification (contract number + last 4 digits of the registered phone), whose result is
  a signed proof kept in the conversation (bot.identity.proofs).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping, Optional

from bot.identity.claims import check_claim, is_claim
from bot.identity.proofs import PROOF_EXPIRED, PROOF_INVALID, check_proof, issue_proof

ANONYMOUS = "anonymous"
TOKEN = "token"
CHAT = "chat"

# Why someone is anonymous although they tried (shown politely, never with details); the proof
# problems (PROOF_EXPIRED, PROOF_INVALID) come from bot.identity.proofs.
TOKEN_REJECTED = "token_rejected"


@dataclass(frozen=True)
class Identity:
    account_id: Optional[str]
    source: str                        # TOKEN, CHAT or ANONYMOUS
    problem: Optional[str] = None      # TOKEN_REJECTED, PROOF_EXPIRED, PROOF_INVALID
    proof: Optional[str] = None        # CHAT: the re-issued proof to store; else None

    @property
    def verified(self) -> bool:
        return self.account_id is not None

    @property
    def clear_proof(self) -> bool:
        """The stored proof must be removed (invalid or expired)."""
        return self.problem in (PROOF_EXPIRED, PROOF_INVALID)


def resolve(metadata: Optional[Mapping[str, Any]], proof: Any, conversation_id: str, now: float,
            message_times: Iterable[float] = (), *, secret: Optional[bytes] = None,
            verify_token: Optional[Callable[[str], str]] = None) -> Identity:
    """The identity of the customer sending the current message.

    A valid login token (or the channel's conversation claim that replaces it) wins; a token that
    is present but rejected (tampered, expired, unknown account, malformed) makes the customer
    anonymous unless the conversation holds a valid proof.
    `verify_token` returns the account id or raises (default: bot.identity.tokens.verify).
    """
    token_problem = None
    token = metadata.get("token") if isinstance(metadata, Mapping) else None
    if is_claim(token):
        # The channel checked the login token and passed on a claim bound to this conversation.
        claimed = check_claim(token, conversation_id, now, secret=secret)
        if claimed:
            return Identity(account_id=claimed, source=TOKEN)
        token_problem, token = TOKEN_REJECTED, None
    if token:
        if verify_token is None:
            from bot.identity.tokens import TokenError, verify

            def verify_token(value: str) -> str:
                return verify(value, secret=secret)

            rejected: tuple[type[BaseException], ...] = (TokenError,)
        else:
            rejected = (Exception,)
        try:
            return Identity(account_id=verify_token(str(token)), source=TOKEN)
        except rejected:
            token_problem = TOKEN_REJECTED
    checked = check_proof(proof, conversation_id, now, message_times, secret=secret)
    if checked.account_id:
        return Identity(account_id=checked.account_id, source=CHAT,
                        proof=issue_proof(checked.account_id, conversation_id, now, secret=secret))
    return Identity(account_id=None, source=ANONYMOUS, problem=checked.problem or token_problem)


def user_message_times(events: Iterable[Mapping[str, Any]]) -> list[float]:
    """Timestamps of the customer's messages (tracker events as dicts), oldest first."""
    stamps = [e.get("timestamp") for e in events if isinstance(e, Mapping) and e.get("event") == "user"]
    return sorted(float(s) for s in stamps if isinstance(s, (int, float)) and not isinstance(s, bool))
