"""Repeated messages: the same text from the same sender within DEDUP_SECONDS gets the previous
answer (the REST channel; a double-clicked send or a client's retry does not run Rasa twice)."""
from __future__ import annotations

import asyncio
import hashlib
import time
from typing import Any, Awaitable, Callable, Dict, List, Tuple

DEDUP_SECONDS = 5.0


class Deduplicator:
    """Same sender + same text (+ same token) within `window` seconds: the previous answer, once
    more, without running NLU and actions again. Concurrent duplicates wait for the first."""

    def __init__(self, window: float = DEDUP_SECONDS, max_entries: int = 10_000) -> None:
        self.window = window
        self.max_entries = max_entries
        self._entries: Dict[Tuple[str, str, str], Tuple[float, "asyncio.Future[List[Dict[str, Any]]]"]] = {}

    @staticmethod
    def key(sender_id: str, text: str, token: Any) -> Tuple[str, str, str]:
        digest = hashlib.sha256(repr(token).encode("utf-8", "replace")).hexdigest()
        return sender_id, text, digest

    async def run(self, key: Tuple[str, str, str],
                  produce: Callable[[], Awaitable[List[Dict[str, Any]]]]) -> List[Dict[str, Any]]:
        now = time.monotonic()
        entry = self._entries.get(key)
        if entry is not None and now - entry[0] <= self.window:
            return [dict(m) for m in await asyncio.shield(entry[1])]
        future: asyncio.Future = asyncio.get_running_loop().create_future()
        self._entries[key] = (now, future)
        self._prune(now)
        try:
            result = await produce()
        except BaseException as exc:
            self._entries.pop(key, None)
            future.set_exception(exc)
            future.exception()  # retrieved: no "never retrieved" warning
            raise
        future.set_result(result)
        return [dict(m) for m in result]

    def _prune(self, now: float) -> None:
        if len(self._entries) <= self.max_entries:
            return
        for key in [k for k, (at, fut) in self._entries.items() if now - at > self.window and fut.done()]:
            del self._entries[key]
