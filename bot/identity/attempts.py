"""Where the counters of failed in-chat verification attempts live (bot.identity.limits counts them).

Every action server must see the same counters: ``MADOGUCHI_LIMITS_URL`` = ``redis://host:port/db``
(the cluster), else the accounts database (``MADOGUCHI_DB_URL``, tables ``verification_failures`` /
``verification_locks``, Alembic revision 0002). Keys arrive already hashed.
"""
from __future__ import annotations

import collections
import os
import threading
import time
from abc import ABC, abstractmethod
from typing import Deque, Dict, Optional, Tuple


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
    """One process only: the tests' store (`store_from_env` never chooses it)."""

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

        from bot.identity.limits import LOCK_MINUTES, WINDOW_MINUTES

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
