"""What bot.tracker_store.CachedSQLTrackerStore and the staff tools use of Rasa's SQL tracker store
beyond its public methods (subclassing SQLTrackerStore is Rasa's documented extension point).

* ``SQLTrackerStore.SQLEvent``: the events table (its columns are written directly, to insert
  only a turn's new events);
* ``SQLTrackerStore._event_query``: the rows of a conversation's latest session, the same query
  Rasa's own ``retrieve`` runs (so the cache reads exactly what Rasa would);
* ``AwaitableTrackerStore._tracker_store``: Rasa wraps the configured store; the staff page reads
  the SQL engine of the store inside.
Nothing is patched: the extension only checks these at start-up.
"""
from __future__ import annotations

from typing import Any, List, Optional

from bot.rasa_ext.base import Extension, Symbol


def events_table(store: Any) -> Any:
    """The SQLAlchemy table of a SQLTrackerStore's events."""
    return store.SQLEvent.__table__


def latest_session_rows(store: Any, session: Any, sender_id: str) -> List[Any]:
    """The event rows of the conversation's latest session, oldest first (Rasa's own query)."""
    return store._event_query(session, sender_id, fetch_events_from_all_sessions=False).all()


def wrapped_store(store: Any) -> Optional[Any]:
    """The tracker store inside one of Rasa's wrappers (AwaitableTrackerStore), or None."""
    return getattr(store, "_tracker_store", None)


def _wrapper_keeps_the_store() -> Optional[str]:
    from rasa.core.tracker_store import AwaitableTrackerStore, InMemoryTrackerStore
    from rasa.shared.core.domain import Domain

    inner = InMemoryTrackerStore(Domain.empty())
    if wrapped_store(AwaitableTrackerStore(inner)) is not inner:
        return "rasa.core.tracker_store.AwaitableTrackerStore no longer keeps the wrapped store in _tracker_store"
    return None


def _events_table_has_the_columns() -> Optional[str]:
    from rasa.core.tracker_store import SQLTrackerStore

    wanted = {"id", "sender_id", "type_name", "timestamp", "intent_name", "action_name", "data"}
    missing = wanted - set(SQLTrackerStore.SQLEvent.__table__.c.keys())
    return f"rasa.core.tracker_store.SQLTrackerStore.SQLEvent lacks the columns {sorted(missing)}" if missing else None


def _nothing_to_apply() -> None:
    """Only checked: the tracker store calls the symbols through this module."""


SQL_TRACKER_STORE = Extension(
    name="sql-tracker-store",
    why="the cached SQL tracker store reads and writes Rasa's events table directly",
    symbols=(
        Symbol("rasa.core.tracker_store", "SQLTrackerStore.SQLEvent"),
        Symbol("rasa.core.tracker_store", "SQLTrackerStore._event_query",
               "self, session, sender_id, fetch_events_from_all_sessions"),
        Symbol("rasa.core.tracker_store", "AwaitableTrackerStore.__init__", "self, tracker_store"),
    ),
    apply=_nothing_to_apply,
    extra_checks=(_events_table_has_the_columns, _wrapper_keeps_the_store),
)
