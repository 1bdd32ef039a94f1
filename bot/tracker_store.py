"""Rasa's SQL tracker store with a per-process cache of the current session's events.

For `make run` (one Rasa process owns the SQLite file) the profile showed the tracker store as the
largest remaining cost per message (docs/benchmarks.md): every turn re-reads and re-parses the
whole session and counts its rows before inserting the new events. This store keeps, per
conversation, the session's events exactly as stored (their JSON text) and how many there are, so a turn
only inserts its new events. Everything is still written to SQL at once (conversations survive a
restart); a conversation is re-read from SQL when it is not cached, when a new session starts,
or after `cache_seconds` without activity.

Only for a single Rasa process per database: several servers sharing one store (the cluster)
must use Rasa's plain `SQL` tracker store, whose every read sees the others' writes.
"""
from __future__ import annotations

import json
import time
from collections import OrderedDict
from typing import Any, List, Optional, Text, Tuple

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker


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


class CachedSQLTrackerStore(SQLTrackerStore):
    def __init__(self, *args: Any, cache_size: int = 10000, cache_seconds: float = 600.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            self.engine = _tuned_sqlite_engine(self.engine)
            self.sessionmaker.configure(bind=self.engine)
        self._cache: "OrderedDict[Text, Tuple[float, List[str]]]" = OrderedDict()
        self._cache_size = int(cache_size)
        self._cache_seconds = float(cache_seconds)

    # -- cache ----------------------------------------------------------------------------------
    def _cached(self, sender_id: Text) -> Optional[List[str]]:
        entry = self._cache.get(sender_id)
        if entry is None:
            return None
        touched, events = entry
        if time.monotonic() - touched > self._cache_seconds:
            del self._cache[sender_id]
            return None
        return events

    def _remember(self, sender_id: Text, events: List[str]) -> None:
        self._cache[sender_id] = (time.monotonic(), events)
        self._cache.move_to_end(sender_id)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    def forget(self, sender_id: Text) -> None:
        self._cache.pop(sender_id, None)

    # -- TrackerStore ---------------------------------------------------------------------------
    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        events = self._cached(sender_id)
        if events is None:
            with self.session_scope() as session:
                rows = self._event_query(session, sender_id, fetch_events_from_all_sessions=False).all()
                events = [row.data for row in rows]
            if events:
                self._remember(sender_id, events)
        if not (self.domain and events):
            return None
        # parsed anew every time, as from SQL: Rasa mutates what it retrieves
        return DialogueStateTracker.from_dict(sender_id, json.loads("[" + ",".join(events) + "]"), self.domain.slots)

    async def save(self, tracker: DialogueStateTracker) -> None:
        cached = self._cached(tracker.sender_id)
        if cached is None or self.event_broker is not None:
            # not cached (or events are streamed, which re-reads the tracker): Rasa's own way
            self.forget(tracker.sender_id)
            await super().save(tracker)
            return
        new_events = list(tracker.events)[len(cached):]
        new_data = []
        rows = []
        for event in new_events:
            data = event.as_dict()
            new_data.append(json.dumps(data))
            rows.append(
                dict(
                    sender_id=tracker.sender_id,
                    type_name=event.type_name,
                    timestamp=data.get("timestamp"),
                    intent_name=data.get("parse_data", {}).get("intent", {}).get("name"),
                    action_name=data.get("name"),
                    data=new_data[-1],
                )
            )
        if rows:
            # one INSERT with many rows, not ORM objects: the same rows, a fraction of the CPU
            with self.session_scope() as session:
                session.execute(self.SQLEvent.__table__.insert(), rows)
                session.commit()
        if any(isinstance(event, SessionStarted) for event in new_events):
            # the latest session now starts later: let the next read take it from SQL
            self.forget(tracker.sender_id)
        else:
            self._remember(tracker.sender_id, cached + new_data)
