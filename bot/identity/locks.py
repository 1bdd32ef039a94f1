"""Failed in-chat verification attempts in one conversation, and the lock they lead to.

The conversation's *lock state* is a signed slot value ``v1:<failures>:<locked until>:<HMAC hex>``
(bot.identity.signing, purpose ``chat-verify-lock``, bound to the conversation): MAX_FAILURES
failures lock verification for LOCK_MINUTES. A lock state that does not verify counts as locked
(fail closed). Across conversations, bot.identity.limits counts failures per contract number and
per client; when one of those refuses verification, the conversation's lock state records it too
(``...:<mac>:contract`` / ``:client``). The action server also keeps each conversation's state in
memory (LockRegistry), so emptying the slots does not lift a lock.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from bot.identity import signing

VERSION = signing.FIELDS_VERSION
MAX_FAILURES = 3
LOCK_MINUTES = 30
_PURPOSE = "chat-verify-lock"

# Why a lock is in place: this conversation's own failures, or the limits shared by all
# conversations (bot.identity.limits): the contract number tried, or the client (connection).
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
        mac = signing.sign_fields(_PURPOSE, (conversation_id, failures, until), secret)
        return f"{VERSION}:{failures}:{until}:{mac}"
    if state.scope not in _SCOPES:
        raise ValueError(f"unknown lock scope {state.scope!r}")
    mac = signing.sign_fields(_PURPOSE, (conversation_id, failures, until, state.scope), secret)
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
    if not signing.fields_signed(_PURPOSE, signed, parts[3], secret):
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
