"""Message rates per client, counted in the memory of the Rasa server that holds the client
(a socket.io connection lives on one server; behind nginx the REST limit is per server).

At most MESSAGES_PER_MINUTE (MADOGUCHI_MESSAGES_PER_MINUTE, 30) messages per client and minute.
"""
from __future__ import annotations

import collections
import time
from typing import Deque, Dict, Optional

from bot import settings

MESSAGES_PER_MINUTE = settings.positive_int("MADOGUCHI_MESSAGES_PER_MINUTE", 30)


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
