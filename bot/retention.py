"""Retention of conversations in Rasa's SQL tracker store (table ``events``: sender_id, timestamp, ...).

``python -m bot conversations purge --days N [--tracker-db URL] [--dry-run]`` deletes every
conversation whose *last* event is older than N days (all of its events), and prints how many.
Default store: the SQLite file of endpoints.yml, ``var/tracker.db``.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Optional

import sqlalchemy as sa

from bot import settings

DEFAULT_TRACKER_DB = settings.PROJECT_ROOT / "var" / "tracker.db"
_BATCH = 500


def default_url() -> str:
    return f"sqlite:///{DEFAULT_TRACKER_DB}"


def engine_for(url: str) -> sa.engine.Engine:
    if url.startswith("postgresql+psycopg://"):  # SQLAlchemy 1.4 has no psycopg 3 dialect (DEVELOPERS.md)
        url = "postgresql+psycopg2://" + url[len("postgresql+psycopg://"):]
    return sa.create_engine(url)


@dataclass(frozen=True)
class PurgeReport:
    conversations: int
    events: int


def purge(days: float, url: Optional[str] = None, *, now: Optional[float] = None,
          dry_run: bool = False) -> PurgeReport:
    """Delete the conversations whose last event is older than `days` days (one transaction)."""
    if days < 0:
        raise ValueError("days must not be negative")
    cutoff = (time.time() if now is None else now) - days * 86400
    engine = engine_for(url or default_url())
    try:
        if not sa.inspect(engine).has_table("events"):
            return PurgeReport(0, 0)
        events = sa.Table("events", sa.MetaData(), autoload_with=engine)
        old = (
            sa.select(events.c.sender_id)
            .group_by(events.c.sender_id)
            .having(sa.func.max(events.c.timestamp) < cutoff)
        )
        with engine.begin() as conn:
            senders = [row[0] for row in conn.execute(old)]
            removed = 0
            for start in range(0, len(senders), _BATCH):
                batch = senders[start:start + _BATCH]
                if dry_run:
                    removed += conn.execute(
                        sa.select(sa.func.count()).select_from(events).where(events.c.sender_id.in_(batch))
                    ).scalar_one()
                else:
                    removed += conn.execute(events.delete().where(events.c.sender_id.in_(batch))).rowcount
        return PurgeReport(conversations=len(senders), events=removed)
    finally:
        engine.dispose()
