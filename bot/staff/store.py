"""Reading conversations from Rasa's SQL tracker store (SQLite or PostgreSQL), read-only.

The store is the one of endpoints.yml (``tracker_store``: ``dialect``, ``db``, ``url`` = host, ``port``,
``username``, ``password``; ``${VARS}`` from the environment, as Rasa substitutes them), or a
SQLAlchemy URL given with ``--tracker-db``. Table ``events``: sender_id, type_name, timestamp, data
(the event as JSON), as Rasa's SQLTrackerStore writes it.
"""
from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import sqlalchemy as sa

from bot import settings
from bot.rasa_ext.tracker_store import wrapped_store
from bot.staff import turns

DEFAULT_ENDPOINTS = settings.PROJECT_ROOT / "endpoints.yml"
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class StoreError(Exception):
    """The tracker store cannot be found or read; the message says why."""


def _expand(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    return _VAR.sub(lambda m: os.environ.get(m.group(1), ""), value)


def url_from_endpoints(path: Path = DEFAULT_ENDPOINTS) -> str:
    """SQLAlchemy URL of the tracker store configured in an endpoints file."""
    import yaml

    try:
        config = (yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}).get("tracker_store") or {}
    except OSError as exc:
        raise StoreError(f"cannot read {path}: {exc.strerror}") from None
    config = {k: _expand(v) for k, v in config.items()}
    store_type = str(config.get("type") or "")
    if store_type != "SQL" and not store_type.endswith("SQLTrackerStore"):
        raise StoreError(f"{path}: tracker_store type {store_type or '(none)'!r} is not an SQL store; "
                         "give --tracker-db URL")
    dialect = str(config.get("dialect") or "sqlite")
    db = str(config.get("db") or "rasa.db")
    if dialect == "sqlite":
        db_path = Path(db)
        if not db_path.is_absolute():
            db_path = settings.PROJECT_ROOT / db_path
        return f"sqlite:///{db_path}"
    url = sa.engine.URL.create(
        "postgresql+psycopg2" if dialect.startswith("postgresql") else dialect,
        username=config.get("username") or None, password=config.get("password") or None,
        host=config.get("url") or None, port=int(config["port"]) if config.get("port") else None, database=db)
    return str(url.render_as_string(hide_password=False))


def engine_for(url: str) -> sa.engine.Engine:
    if url.startswith("postgresql+psycopg://"):  # SQLAlchemy 1.4 has no psycopg 3 dialect (DEVELOPERS.md)
        url = "postgresql+psycopg2://" + url[len("postgresql+psycopg://"):]
    if url.startswith("sqlite:///"):
        path = Path(url[len("sqlite:///"):])
        if not path.exists():
            raise StoreError(f"no tracker store at {path} (has the bot run yet?)")
        # read-only: the review never writes
        return sa.create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    return sa.create_engine(url)


def read_events(engine: sa.engine.Engine, since: float) -> Iterator[Tuple[str, List[Dict[str, Any]]]]:
    """(sender_id, events as dicts) of every conversation with events since `since` (Unix time)."""
    try:
        if not sa.inspect(engine).has_table("events"):
            return
        events = sa.Table("events", sa.MetaData(), autoload_with=engine)
        query = (sa.select(events.c.sender_id, events.c.data)
                 .where(events.c.timestamp >= since)
                 .order_by(events.c.sender_id, events.c.id))
        with engine.connect() as conn:
            sender, batch = None, []
            for sender_id, data in conn.execute(query):
                if sender_id != sender:
                    if batch:
                        yield sender, batch
                    sender, batch = sender_id, []
                try:
                    batch.append(json.loads(data))
                except (TypeError, ValueError):
                    continue
            if batch:
                yield sender, batch
    except sa.exc.SQLAlchemyError as exc:
        raise StoreError(f"tracker store error: {exc.__class__.__name__}: {str(exc).splitlines()[0]}") from None


def load_turns(engine: sa.engine.Engine, days: float, now: Optional[float] = None) -> List[turns.Turn]:
    """Every customer turn of the last `days` days, conversation by conversation."""
    since = (time.time() if now is None else now) - days * 86400
    found: List[turns.Turn] = []
    for sender_id, events in read_events(engine, since):
        found.extend(t for t in turns.split_turns(events, sender_id) if t.timestamp >= since)
    return found


def engine_of_tracker_store(store: Any) -> Optional[sa.engine.Engine]:
    """The SQLAlchemy engine of a running Rasa server's tracker store (unwrapping Rasa's wrappers)."""
    for _ in range(4):
        engine = getattr(store, "engine", None)
        if isinstance(engine, sa.engine.Engine):
            return engine
        store = wrapped_store(store)
        if store is None:
            return None
    return None
