"""Limits on in-chat verification shared by every action server.

In-chat verification (contract number + last 4 phone digits) is the one place where a stranger can
guess their way into an account, so failed attempts are counted **per contract number** across all
conversations and channels, and **per client** (a socket.io connection, a REST conversation):

* CONTRACT_MAX_FAILURES (5) failed attempts for one contract number within WINDOW_MINUTES (30) refuse
  that contract's in-chat verification for LOCK_MINUTES (30), even with the right digits;
* CLIENT_MAX_FAILURES (10) failed attempts from one client within the window refuse that client's
  in-chat verification for LOCK_MINUTES, whatever contract number it tries next.

An unknown contract number is counted exactly like a known one with wrong digits (the customer cannot
tell them apart). Keys are stored as keyed hashes (bot.identity.signing, context
``madoguchi/verify-limits``), never as the contract number or connection id itself. Where the
counters live: bot.identity.attempts.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

from bot import settings
from bot.engine import services
from bot.identity import signing
from bot.identity.attempts import AttemptStore, store_from_env
from bot.nlu.normalize import normalize

CONTRACT_MAX_FAILURES = settings.positive_int("MADOGUCHI_VERIFY_MAX_FAILURES_PER_CONTRACT", 5)
CLIENT_MAX_FAILURES = settings.positive_int("MADOGUCHI_VERIFY_MAX_FAILURES_PER_CLIENT", 10)
WINDOW_MINUTES = 30
LOCK_MINUTES = 30

CONTRACT = "contract"
CLIENT = "client"


# ---- the verification limiter -----------------------------------------------------------------

@dataclass(frozen=True)
class Verdict:
    """Whether in-chat verification is refused, until when and why (CONTRACT or CLIENT)."""

    locked_until: float = 0.0
    scope: Optional[str] = None
    contract_failures: int = 0
    client_failures: int = 0

    def refused(self, now: float) -> bool:
        return now < self.locked_until


def _hash_key(scope: str, value: str, secret: Optional[bytes]) -> str:
    # stored in the limit tables / Redis: this layout is part of the stored format
    key = signing.derive_key("madoguchi/verify-limits", secret)
    return signing.mac_hex(key, f"{scope}\x1f{value}")[:40]


def normalize_contract(contract_no: str) -> str:
    return services.comparable_contract_no(normalize(contract_no or ""))


class VerificationLimiter:
    def __init__(self, store: Optional[AttemptStore] = None, *, secret: Optional[bytes] = None,
                 contract_max: Optional[int] = None, client_max: Optional[int] = None) -> None:
        self._store = store
        self.secret = secret
        self.contract_max = contract_max or CONTRACT_MAX_FAILURES
        self.client_max = client_max or CLIENT_MAX_FAILURES

    @property
    def store(self) -> AttemptStore:
        if self._store is None:
            self._store = store_from_env()
        return self._store

    def _keys(self, contract_no: str, client: Optional[str]) -> Tuple[str, Optional[str]]:
        contract_key = _hash_key(CONTRACT, normalize_contract(contract_no), self.secret)
        client_key = _hash_key(CLIENT, client, self.secret) if client else None
        return contract_key, client_key

    def check(self, contract_no: str, client: Optional[str], now: float) -> Verdict:
        """Refused for this contract number (whatever digits follow) or this client?"""
        contract_key, client_key = self._keys(contract_no, client)
        until = self.store.locked_until(CONTRACT, contract_key, now)
        if until:
            return Verdict(locked_until=until, scope=CONTRACT)
        if client_key:
            until = self.store.locked_until(CLIENT, client_key, now)
            if until:
                return Verdict(locked_until=until, scope=CLIENT)
        return Verdict()

    def record_failure(self, contract_no: str, client: Optional[str], now: float) -> Verdict:
        """Count one failed attempt; lock the contract / the client when it reaches its limit."""
        window, lock_for = WINDOW_MINUTES * 60, LOCK_MINUTES * 60
        contract_key, client_key = self._keys(contract_no, client)
        contract_failures = self.store.add_failure(CONTRACT, contract_key, now, window)
        client_failures = self.store.add_failure(CLIENT, client_key, now, window) if client_key else 0
        verdict = Verdict(contract_failures=contract_failures, client_failures=client_failures)
        if contract_failures >= self.contract_max:
            self.store.lock(CONTRACT, contract_key, now + lock_for)
            verdict = Verdict(now + lock_for, CONTRACT, contract_failures, client_failures)
        if client_key and client_failures >= self.client_max:
            self.store.lock(CLIENT, client_key, now + lock_for)
            if verdict.scope is None:
                verdict = Verdict(now + lock_for, CLIENT, contract_failures, client_failures)
        return verdict


def mask_contract(contract_no: str) -> str:
    """'RS-0001' -> 'RS-**01' (for staff logs: which service, not which customer)."""
    text = normalize_contract(contract_no)
    if len(text) <= 4:
        return "***"
    return text[:3] + "*" * (len(text) - 5) + text[-2:]
