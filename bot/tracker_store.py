"""Rasa's SQL tracker store with a per-process cache of the current session's events.

The profile showed the tracker store as the largest cost per message (docs/benchmarks.md): every
turn Rasa re-reads and re-parses the whole session and counts its rows before inserting the new
events. This store keeps, per conversation, the session's events exactly as stored (their JSON
text) and the id of the conversation's last row, so a turn reads one number and inserts only its
new events. Everything is still written to SQL at once (conversations survive a restart).

The cache is checked against the database on every read and before every write: when the
conversation's last row id differs (another Rasa server of the cluster, `rasa shell`, or
`python -m bot conversations purge` changed it), the session is re-read from SQL. Several Rasa
servers may therefore share one database, as long as a lock store serialises the turns of a
conversation (Rasa's Redis lock store in the cluster; one process's in-memory lock otherwise).

A database that is briefly unreachable (PostgreSQL restarting, a dropped connection, SQLite busy) does
not lose the turn: reads and writes are retried for up to RETRY_SECONDS (MADOGUCHI_TRACKER_RETRY_SECONDS,
default 10) without blocking the event loop. A retried write goes through Rasa's own save, which counts
the session's stored events first, so a write that did commit before its connection broke is not
written twice (issue #17: a PostgreSQL restart under load lost the turns being saved at that moment).
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, List, Optional, Text

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker

from bot import rasa_ext
from bot.rasa_ext import tracker_store as rasa_sql

logger = logging.getLogger(__name__)


def _retry_seconds() -> float:
    try:
        value = float(os.environ.get("MADOGUCHI_TRACKER_RETRY_SECONDS", "") or 10.0)
    except ValueError:
        return 10.0
    return max(0.0, value)


RETRY_SECONDS = _retry_seconds()
# errors of an unreachable or busy database (connection refused / reset, server shutting down, locked)
RETRYABLE = (sa.exc.OperationalError, sa.exc.InterfaceError)


def _tuned_sqlite_engine(engine: Any) -> Any:
    """The same SQLite file with a pool of open connections (SQLAlchemy 1.4 opens and closes a
    file connection for every session) and a WAL journal with synchronous=NORMAL, the setting
    SQLite recommends for WAL: a commit no longer waits for fsync, and the database stays
    consistent after a crash of the process or the machine (a power cut may lose the last turns;
    production uses PostgreSQL)."""
    import sqlalchemy
    from sqlalchemy.pool import QueuePool

    url = engine.url
    engine.dispose()
    engine = sqlalchemy.create_engine(
        url, poolclass=QueuePool, pool_size=2, max_overflow=8, connect_args={"check_same_thread": False}
    )

    @sqlalchemy.event.listens_for(engine, "connect")
    def _on_connect(connection: Any, _record: Any) -> None:
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return engine


@dataclass
class _Session:
    touched: float  # time.monotonic() of the last use
    events: List[str]  # the current session's events, as stored
    last_id: Optional[int]  # id of the conversation's last row when the entry was made


class CachedSQLTrackerStore(SQLTrackerStore):
    def __init__(self, *args: Any, cache_size: int = 10000, cache_seconds: float = 600.0, **kwargs: Any) -> None:
        rasa_ext.install()  # start-up: Rasa creates the tracker store before the first message
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            self.engine = _tuned_sqlite_engine(self.engine)
            self.sessionmaker.configure(bind=self.engine)
        # Core statements built once: SQLAlchemy then reuses their compiled form (building an ORM
        # query per call cost more CPU than the database work itself)
        table = rasa_sql.events_table(self)
        self._insert = table.insert()
        self._max_id = sa.select(sa.func.max(table.c.id)).where(table.c.sender_id == sa.bindparam("sender_id"))
        self._cache: "OrderedDict[Text, _Session]" = OrderedDict()
        self._cache_size = int(cache_size)
        self._cache_seconds = float(cache_seconds)

    # -- cache ----------------------------------------------------------------------------------
    def _cached(self, sender_id: Text) -> Optional[_Session]:
        entry = self._cache.get(sender_id)
        if entry is not None and time.monotonic() - entry.touched > self._cache_seconds:
            del self._cache[sender_id]
            return None
        return entry

    def _remember(self, sender_id: Text, events: List[str], last_id: Optional[int]) -> None:
        self._cache[sender_id] = _Session(time.monotonic(), events, last_id)
        self._cache.move_to_end(sender_id)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    def forget(self, sender_id: Text) -> None:
        self._cache.pop(sender_id, None)

    def _last_id(self, connection: Any, sender_id: Text) -> Optional[int]:
        # one indexed look-up (events.sender_id is indexed)
        return connection.execute(self._max_id, {"sender_id": sender_id}).scalar()

    # -- TrackerStore ---------------------------------------------------------------------------
    async def _retrying(self, what: str, sender_id: Text, attempt: Any) -> Any:
        deadline = time.monotonic() + RETRY_SECONDS
        pause = 0.1
        while True:
            try:
                return await attempt()
            except RETRYABLE as exc:
                self.forget(sender_id)  # read anew: the failed write may or may not have committed
                if time.monotonic() + pause > deadline:
                    raise
                logger.warning("tracker store: %s of conversation %s failed (%s); retrying", what, sender_id,
                               exc.__class__.__name__)
                await asyncio.sleep(pause)
                pause = min(1.0, pause * 2)

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        return await self._retrying("read", sender_id, lambda: self._retrieve_once(sender_id))

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self._retrying("write", tracker.sender_id, lambda: self._save_once(tracker))

    async def _retrieve_once(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        entry = self._cached(sender_id)
        if entry is not None:
            with self.engine.connect() as connection:
                if self._last_id(connection, sender_id) != entry.last_id:
                    entry = None
        if entry is not None:
            events = entry.events
        else:
            with self.session_scope() as session:
                last_id = self._last_id(session, sender_id)
                rows = rasa_sql.latest_session_rows(self, session, sender_id)
                events = [row.data for row in rows]
                if events:
                    self._remember(sender_id, events, last_id)
                else:
                    self.forget(sender_id)
        if not (self.domain and events):
            return None
        # parsed anew every time, as from SQL: Rasa mutates what it retrieves
        return DialogueStateTracker.from_dict(sender_id, json.loads("[" + ",".join(events) + "]"), self.domain.slots)

    async def _save_once(self, tracker: DialogueStateTracker) -> None:
        entry = self._cached(tracker.sender_id)
        if entry is None or self.event_broker is not None:
            # not cached (or events are streamed, which re-reads the tracker): Rasa's own way
            self.forget(tracker.sender_id)
            await super().save(tracker)
            return
        new_events = list(tracker.events)[len(entry.events):]
        dicts = [event.as_dict() for event in new_events]
        new_data = [json.dumps(d) for d in dicts]
        with self.engine.begin() as connection:  # one transaction, committed at the end
            # Written elsewhere since our read (only possible without a shared lock store)? This
            # turn's events are still new: insert them, and read the conversation anew next time.
            stale = self._last_id(connection, tracker.sender_id) != entry.last_id
            last_id = entry.last_id
            for event, parsed, data in zip(new_events, dicts, new_data):
                result = connection.execute(
                    self._insert,
                    {
                        "sender_id": tracker.sender_id,
                        "type_name": event.type_name,
                        "timestamp": parsed.get("timestamp"),
                        "intent_name": parsed.get("parse_data", {}).get("intent", {}).get("name"),
                        "action_name": parsed.get("name"),
                        "data": data,
                    },
                )
                # our own rows' ids: a row another writer slipped in would not match next time
                last_id = result.inserted_primary_key[0]
        if stale or any(isinstance(event, SessionStarted) for event in new_events):
            # (a new session: the latest session now starts later, let the next read take it from SQL)
            self.forget(tracker.sender_id)
        else:
            self._remember(tracker.sender_id, entry.events + new_data, last_id)
