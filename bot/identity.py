"""Customer identity in a chat conversation: pure, typed functions (no Rasa imports).

Two ways to be someone:
* a login token from the website (`metadata.token` of the message), checked on every message
  with bot.auth.tokens.verify;
* in-chat verification (contract number + last 4 digits of the registered phone). Its result is a
  *proof*: ``v1:<account id>:<unix time>:<HMAC-SHA256 hex>``, the HMAC covering the account id,
  the conversation id and the time, keyed with a key derived from bot.settings.secret(). Only the
  action server can produce one, it is worthless in another conversation, and it is checked on
  every use. It lapses after IDLE_MINUTES without messages from the customer (checked on the
  conversation's message timestamps); every use re-issues it with a new time.

Failed verification attempts are kept in a signed *lock state* ``v1:<failures>:<locked until>:<mac>``
bound to the conversation: MAX_FAILURES failures lock verification for LOCK_MINUTES. A lock
state that does not verify counts as locked (fail closed). Across conversations, bot.auth.limits
counts failures per contract number and per client; when one of those refuses verification, the
conversation's lock state records it too (``...:<mac>:contract`` / ``:client``).

Times are real Unix times (the tracker's event timestamps), not MADOGUCHI_TODAY.
"""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping, Optional

from bot import settings

VERSION = "v1"
IDLE_MINUTES = 15
MAX_FAILURES = 3
LOCK_MINUTES = 30

ANONYMOUS = "anonymous"
TOKEN = "token"
CHAT = "chat"

# Why someone is anonymous although they tried (shown politely, never with details).
TOKEN_REJECTED = "token_rejected"
PROOF_EXPIRED = "proof_expired"
PROOF_INVALID = "proof_invalid"


def _key(purpose: bytes, secret: Optional[bytes]) -> bytes:
    """A key per purpose derived from the signing secret: a chat proof is never a login token."""
    return hmac.new(secret or settings.secret(), b"madoguchi/" + purpose, hashlib.sha256).digest()


def _mac(purpose: bytes, parts: Iterable[str], secret: Optional[bytes]) -> str:
    message = "\x1f".join([VERSION, *parts]).encode("utf-8")
    return hmac.new(_key(purpose, secret), message, hashlib.sha256).hexdigest()


# ---- identity proof -------------------------------------------------------------------------

def issue_proof(account_id: str, conversation_id: str, now: float, *, secret: Optional[bytes] = None) -> str:
    """The signed proof that this conversation verified as `account_id` at time `now`."""
    if not account_id or ":" in account_id:
        raise ValueError("account_id must be non-empty and contain no ':'")
    stamp = str(int(now))
    mac = _mac(b"chat-identity", (account_id, conversation_id, stamp), secret)
    return f"{VERSION}:{account_id}:{stamp}:{mac}"


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
    if not isinstance(proof, str):
        return ProofCheck(account_id=None, problem=PROOF_INVALID)
    parts = proof.split(":")
    if len(parts) != 4 or parts[0] != VERSION or not parts[2].isdigit():
        return ProofCheck(account_id=None, problem=PROOF_INVALID)
    _, account_id, stamp, mac = parts
    expected = _mac(b"chat-identity", (account_id, conversation_id, stamp), secret)
    if not account_id or not hmac.compare_digest(mac, expected):
        return ProofCheck(account_id=None, problem=PROOF_INVALID)
    issued = float(stamp)
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


# ---- conversation claims (what the channels pass on instead of a login token) ----------------

CLAIM_PREFIX = "claim1"
CLAIM_REJECTED = CLAIM_PREFIX + ":rejected"   # the channel saw a token and rejected it
CLAIM_MAX_SECONDS = 24 * 3600


def issue_claim(account_id: str, conversation_id: str, expires: float, *, secret: Optional[bytes] = None) -> str:
    """``claim1:<account id>:<expires>:<HMAC>``: the channel checked a login token for `account_id`
    in this conversation; valid until `expires` (Unix time). The raw token is never stored."""
    if not account_id or ":" in account_id:
        raise ValueError("account_id must be non-empty and contain no ':'")
    stamp = str(int(expires))
    mac = _mac(b"chat-claim", (account_id, conversation_id, stamp), secret)
    return f"{CLAIM_PREFIX}:{account_id}:{stamp}:{mac}"


def check_claim(claim: Any, conversation_id: str, now: float, *, secret: Optional[bytes] = None) -> Optional[str]:
    """The account id of a valid, unexpired claim for this conversation; else None."""
    if not isinstance(claim, str):
        return None
    parts = claim.split(":")
    if len(parts) != 4 or parts[0] != CLAIM_PREFIX or not parts[2].isdigit() or not parts[1]:
        return None
    _, account_id, stamp, mac = parts
    expected = _mac(b"chat-claim", (account_id, conversation_id, stamp), secret)
    if not hmac.compare_digest(mac, expected):
        return None
    if now >= float(stamp) or float(stamp) > now + CLAIM_MAX_SECONDS + 60:
        return None
    return account_id


# ---- failed attempts and the lock -----------------------------------------------------------

# Why a lock is in place: this conversation's own failures, or the limits shared by all
# conversations (bot.auth.limits): the contract number tried, or the client (connection).
CONVERSATION = "conversation"
SCOPE_CONTRACT = "contract"
SCOPE_CLIENT = "client"
_SCOPES = (CONVERSATION, SCOPE_CONTRACT, SCOPE_CLIENT)


@dataclass(frozen=True)
class LockState:
    failures: int = 0
    locked_until: float = 0.0          # Unix time; 0 = not locked
    scope: str = CONVERSATION          # CONVERSATION, SCOPE_CONTRACT or SCOPE_CLIENT

    def locked(self, now: float) -> bool:
        return now < self.locked_until

    def remaining_attempts(self) -> int:
        return max(0, MAX_FAILURES - self.failures)


def issue_lock(state: LockState, conversation_id: str, *, secret: Optional[bytes] = None) -> str:
    """``v1:<failures>:<until>:<mac>`` (this conversation's own failures), or with a fifth part
    ``:<scope>`` for a lock taken over from the shared limits (contract number, client)."""
    failures, until = str(int(state.failures)), str(int(state.locked_until))
    if state.scope == CONVERSATION:
        mac = _mac(b"chat-verify-lock", (conversation_id, failures, until), secret)
        return f"{VERSION}:{failures}:{until}:{mac}"
    if state.scope not in _SCOPES:
        raise ValueError(f"unknown lock scope {state.scope!r}")
    mac = _mac(b"chat-verify-lock", (conversation_id, failures, until, state.scope), secret)
    return f"{VERSION}:{failures}:{until}:{mac}:{state.scope}"


def read_lock(value: Any, conversation_id: str, now: float, *, secret: Optional[bytes] = None) -> LockState:
    """The lock state of this conversation. Empty: no failures. Anything we did not sign: locked."""
    if value is None or value == "":
        return LockState()
    tampered = LockState(failures=MAX_FAILURES, locked_until=now + LOCK_MINUTES * 60)
    if not isinstance(value, str):
        return tampered
    parts = value.split(":")
    if len(parts) not in (4, 5) or parts[0] != VERSION or not parts[1].isdigit() or not parts[2].isdigit():
        return tampered
    scope = parts[4] if len(parts) == 5 else CONVERSATION
    if scope not in _SCOPES or (len(parts) == 5 and scope == CONVERSATION):
        return tampered
    signed = (conversation_id, parts[1], parts[2]) + ((scope,) if len(parts) == 5 else ())
    expected = _mac(b"chat-verify-lock", signed, secret)
    if not hmac.compare_digest(parts[3], expected):
        return tampered
    state = LockState(failures=int(parts[1]), locked_until=float(parts[2]), scope=scope)
    if state.locked_until and not state.locked(now):
        return LockState()  # the lock has run out: a fresh set of attempts
    return state


def record_failure(state: LockState, now: float) -> LockState:
    """One more failed attempt; the MAX_FAILURES-th locks verification for LOCK_MINUTES."""
    failures = state.failures + 1
    if failures >= MAX_FAILURES:
        return LockState(failures=failures, locked_until=now + LOCK_MINUTES * 60)
    return LockState(failures=failures)


def shared_lock(state: LockState, scope: str, locked_until: float) -> LockState:
    """This conversation's state, locked until `locked_until` because a shared limit (SCOPE_CONTRACT,
    SCOPE_CLIENT) refuses verification: the conversation keeps that lock (and its reason)."""
    if locked_until <= state.locked_until:
        return state
    return LockState(failures=state.failures, locked_until=locked_until, scope=scope)


class LockRegistry:
    """The action server's own memory of failures per conversation, next to the signed slot: a
    customer who resets the conversation's slots (e.g. by typing `/session_start`) keeps the lock.
    Per process; entries that can no longer matter are dropped."""

    def __init__(self, max_entries: int = 10_000) -> None:
        self._states: dict[str, tuple[LockState, float]] = {}
        self._max = max_entries

    def get(self, conversation_id: str, now: float) -> LockState:
        entry = self._states.get(conversation_id)
        if entry is None:
            return LockState()
        state, last_failure = entry
        if state.locked_until and not state.locked(now):
            del self._states[conversation_id]
            return LockState()
        if not state.locked_until and now - last_failure > LOCK_MINUTES * 60:
            del self._states[conversation_id]   # old failures without a lock are forgotten
            return LockState()
        return state

    def put(self, conversation_id: str, state: LockState, now: float) -> None:
        if state == LockState():
            self._states.pop(conversation_id, None)
            return
        self._states[conversation_id] = (state, now)
        if len(self._states) > self._max:
            for key in [k for k, (st, at) in self._states.items()
                        if now - max(at, st.locked_until) > LOCK_MINUTES * 60]:
                del self._states[key]


def stricter(a: LockState, b: LockState) -> LockState:
    """The state with the later lock, else the one with more failures."""
    return max(a, b, key=lambda st: (st.locked_until, st.failures))


# ---- who is this customer? ------------------------------------------------------------------

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

    A valid login token (or the channel's conversation claim that replaces it, see issue_claim)
    wins; a token that is present but rejected (tampered, expired, unknown
    account, malformed) makes the customer anonymous unless the conversation holds a valid proof.
    `verify_token` returns the account id or raises (default: bot.auth.tokens.verify).
    """
    token_problem = None
    token = metadata.get("token") if isinstance(metadata, Mapping) else None
    if isinstance(token, str) and token.startswith(CLAIM_PREFIX + ":"):
        # The channel checked the login token and passed on a claim bound to this conversation.
        claimed = check_claim(token, conversation_id, now, secret=secret)
        if claimed:
            return Identity(account_id=claimed, source=TOKEN)
        token_problem, token = TOKEN_REJECTED, None
    if token:
        if verify_token is None:
            from bot.auth.tokens import TokenError, verify

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


# ---- masking --------------------------------------------------------------------------------

def mask_phone(phone: str) -> str:
    """'090-1234-5678' -> '***-****-5678' (only the last 4 digits are ever shown)."""
    import unicodedata

    digits = "".join(ch for ch in unicodedata.normalize("NFKC", phone or "") if ch.isdigit())
    return f"***-****-{digits[-4:]}" if len(digits) >= 4 else "***-****-****"
