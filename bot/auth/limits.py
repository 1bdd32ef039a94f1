"""Limits on in-chat verification and on message rates, shared by every server that needs them.

In-chat verification (contract number + last 4 phone digits) is the one place where a stranger can
guess their way into an account, so failed attempts are counted **per contract number** across all
conversations and channels, and **per client** (a socket.io connection, a REST conversation):

* CONTRACT_MAX_FAILURES (5) failed attempts for one contract number within WINDOW_MINUTES (30) refuse
  that contract's in-chat verification for LOCK_MINUTES (30), even with the right digits;
* CLIENT_MAX_FAILURES (10) failed attempts from one client within the window refuse that client's
  in-chat verification for LOCK_MINUTES, whatever contract number it tries next.

An unknown contract number is counted exactly like a known one with wrong digits (the customer cannot
tell them apart). Keys are stored as keyed hashes (HMAC with a key derived from bot.settings.secret()),
never as the contract number or connection id itself.

Where the counters live (every action server must see the same ones): ``MADOGUCHI_LIMITS_URL`` =
``redis://host:port/db`` (the cluster), else the accounts database (``MADOGUCHI_DB_URL``, tables
``verification_failures`` / ``verification_locks``, Alembic revision 0002).

Message rates (``MessageRate``) are counted in the memory of the Rasa server that holds the client
(a socket.io connection lives on one server; behind nginx the REST limit is per server).
"""
from __future__ import annotations

import collections
import hashlib
import hmac
import os
import threading
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Deque, Dict, Optional, Tuple


def _int_env(name: str, default: int) -> int:
    try:
        value = int(os.environ.get(name, "") or default)
    except ValueError:
        return default
    return value if value > 0 else default


CONTRACT_MAX_FAILURES = _int_env("MADOGUCHI_VERIFY_MAX_FAILURES_PER_CONTRACT", 5)
CLIENT_MAX_FAILURES = _int_env("MADOGUCHI_VERIFY_MAX_FAILURES_PER_CLIENT", 10)
WINDOW_MINUTES = 30
LOCK_MINUTES = 30
MESSAGES_PER_MINUTE = _int_env("MADOGUCHI_MESSAGES_PER_MINUTE", 30)

CONTRACT = "contract"
CLIENT = "client"


# ---- stores -----------------------------------------------------------------------------------

class AttemptStore(ABC):
    """Failed attempts (scope, key, time) and locks (scope, key, until). Keys are already hashed."""

    @abstractmethod
    def add_failure(self, scope: str, key: str, at: float, window: float) -> int:
        """Record one failure at `at`; the number of failures in (at - window, at]."""

    @abstractmethod
    def lock(self, scope: str, key: str, until: float) -> None:
        """Refuse (scope, key) until `until` (a later lock wins)."""

    @abstractmethod
    def locked_until(self, scope: str, key: str, now: float) -> float:
        """Unix time until which (scope, key) is refused; 0 when it is not."""


class MemoryAttemptStore(AttemptStore):
    """One process only (tests, a single action server without a database)."""

    def __init__(self) -> None:
        self._failures: Dict[Tuple[str, str], Deque[float]] = collections.defaultdict(collections.deque)
        self._locks: Dict[Tuple[str, str], float] = {}
        self._mutex = threading.Lock()

    def add_failure(self, scope: str, key: str, at: float, window: float) -> int:
        with self._mutex:
            times = self._failures[(scope, key)]
            times.append(at)
            while times and times[0] <= at - window:
                times.popleft()
            return len(times)

    def lock(self, scope: str, key: str, until: float) -> None:
        with self._mutex:
            self._locks[(scope, key)] = max(until, self._locks.get((scope, key), 0.0))

    def locked_until(self, scope: str, key: str, now: float) -> float:
        until = self._locks.get((scope, key), 0.0)
        return until if until > now else 0.0


class SqlAttemptStore(AttemptStore):
    """The accounts database (SQLAlchemy; SQLite or PostgreSQL)."""

    def __init__(self, url: Optional[str] = None) -> None:
        self.url = url

    def add_failure(self, scope: str, key: str, at: float, window: float) -> int:
        from sqlalchemy import delete, func, select

        from bot.storage import models as m
        from bot.storage.db import session_scope

        with session_scope(self.url) as session:
            session.execute(delete(m.VerificationFailure).where(
                m.VerificationFailure.scope == scope, m.VerificationFailure.key == key,
                m.VerificationFailure.at <= at - window))
            session.add(m.VerificationFailure(scope=scope, key=key, at=at))
            session.flush()
            return session.execute(select(func.count()).select_from(m.VerificationFailure).where(
                m.VerificationFailure.scope == scope, m.VerificationFailure.key == key,
                m.VerificationFailure.at > at - window)).scalar_one()

    def lock(self, scope: str, key: str, until: float) -> None:
        from bot.storage import models as m
        from bot.storage.db import session_scope

        with session_scope(self.url) as session:
            row = session.get(m.VerificationLock, (scope, key))
            if row is None:
                session.add(m.VerificationLock(scope=scope, key=key, until=until))
            elif row.until < until:
                row.until = until
        self._prune(until)

    def locked_until(self, scope: str, key: str, now: float) -> float:
        from bot.storage import models as m
        from bot.storage.db import session_scope

        with session_scope(self.url) as session:
            row = session.get(m.VerificationLock, (scope, key))
            return row.until if row is not None and row.until > now else 0.0

    def _prune(self, now: float) -> None:
        """Locks that ran out and failures older than a window cannot matter any more."""
        from sqlalchemy import delete

        from bot.storage import models as m
        from bot.storage.db import session_scope

        horizon = now - (WINDOW_MINUTES + LOCK_MINUTES) * 60
        with session_scope(self.url) as session:
            session.execute(delete(m.VerificationLock).where(m.VerificationLock.until <= horizon))
            session.execute(delete(m.VerificationFailure).where(m.VerificationFailure.at <= horizon))


class RedisAttemptStore(AttemptStore):
    """Redis (``redis://host:port/db``): one sorted set of failure times per key, a key per lock."""

    PREFIX = "madoguchi:verify"

    def __init__(self, url: str) -> None:
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)

    def add_failure(self, scope: str, key: str, at: float, window: float) -> int:
        name = f"{self.PREFIX}:failures:{scope}:{key}"
        member = f"{at:.6f}:{os.urandom(4).hex()}"
        pipe = self.client.pipeline()
        pipe.zremrangebyscore(name, "-inf", at - window)
        pipe.zadd(name, {member: at})
        pipe.zcount(name, f"({at - window}", "+inf")
        pipe.expire(name, int(window) + 60)
        return int(pipe.execute()[2])

    def lock(self, scope: str, key: str, until: float) -> None:
        name = f"{self.PREFIX}:lock:{scope}:{key}"
        current = self.client.get(name)
        if current is not None and float(current) >= until:
            return
        seconds = max(1, int(until - time.time()) + 1)
        self.client.set(name, repr(float(until)), ex=seconds)

    def locked_until(self, scope: str, key: str, now: float) -> float:
        value = self.client.get(f"{self.PREFIX}:lock:{scope}:{key}")
        until = float(value) if value is not None else 0.0
        return until if until > now else 0.0


def store_from_env() -> AttemptStore:
    url = os.environ.get("MADOGUCHI_LIMITS_URL", "").strip()
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisAttemptStore(url)
    if url:
        return SqlAttemptStore(url)
    return SqlAttemptStore()


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
    from bot import settings

    key = hmac.new(secret or settings.secret(), b"madoguchi/verify-limits", hashlib.sha256).digest()
    return hmac.new(key, f"{scope}\x1f{value}".encode("utf-8"), hashlib.sha256).hexdigest()[:40]


def normalize_contract(contract_no: str) -> str:
    import unicodedata

    text = unicodedata.normalize("NFKC", contract_no or "").strip().upper()
    for dash in ("−", "‐", "‑", "–", "—", "ー", "―"):
        text = text.replace(dash, "-")
    return text


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


# ---- message rates ----------------------------------------------------------------------------

class MessageRate:
    """At most `limit` messages per `period` seconds per client key (sliding window, in memory)."""

    def __init__(self, limit: Optional[int] = None, period: float = 60.0, max_keys: int = 50_000) -> None:
        self.limit = limit or MESSAGES_PER_MINUTE
        self.period = period
        self.max_keys = max_keys
        self._times: Dict[str, Deque[float]] = {}

    def allow(self, key: str, now: Optional[float] = None) -> bool:
        now = time.monotonic() if now is None else now
        times = self._times.get(key)
        if times is None:
            if len(self._times) >= self.max_keys:
                self._prune(now)
            times = self._times[key] = collections.deque()
        while times and times[0] <= now - self.period:
            times.popleft()
        if len(times) >= self.limit:
            return False
        times.append(now)
        return True

    def forget(self, key: str) -> None:
        self._times.pop(key, None)

    def _prune(self, now: float) -> None:
        for key in [k for k, t in self._times.items() if not t or t[-1] <= now - self.period]:
            del self._times[key]
