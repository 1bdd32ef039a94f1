"""`python -m bot conversations purge --days N [--tracker-db URL]` on a SQL tracker store written by Rasa."""
from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DAY = 86400.0


def _write_store(path: Path, conversations: dict[str, list[float]]) -> None:
    """Conversations written by Rasa's own SQLTrackerStore: sender -> event timestamps."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import BotUttered, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(path))

    async def save() -> None:
        for sender, stamps in conversations.items():
            events = [UserUttered(f"m{i}", timestamp=t) if i % 2 == 0 else BotUttered(f"b{i}", timestamp=t)
                      for i, t in enumerate(stamps)]
            await store.save(DialogueStateTracker.from_events(sender, events))

    asyncio.run(save())
    store.engine.dispose()


def _senders(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as conn:
        return dict(conn.execute("select sender_id, count(*) from events group by sender_id").fetchall())


def _cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SQLALCHEMY_SILENCE_UBER_WARNING": "1"}
    return subprocess.run([sys.executable, "-m", "bot", "conversations", "purge", *args], cwd=str(ROOT),
                          env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture
def store(tmp_path) -> Path:
    now = time.time()
    path = tmp_path / "tracker.db"
    _write_store(path, {
        "old": [now - 40 * DAY, now - 40 * DAY + 5],                      # last event 40 days ago
        "older": [now - 400 * DAY, now - 399 * DAY, now - 399 * DAY + 1],
        "resumed": [now - 60 * DAY, now - 60 * DAY + 1, now - 2 * DAY],  # started long ago, still active
        "recent": [now - 60, now - 59],
    })
    return path


def test_purge_deletes_conversations_whose_last_event_is_older(store):
    url = f"sqlite:///{store}"
    dry = _cli("--days", "30", "--tracker-db", url, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "would delete 2 conversations (5 events)" in dry.stdout
    assert set(_senders(store)) == {"old", "older", "resumed", "recent"}

    result = _cli("--days", "30", "--tracker-db", url)
    assert result.returncode == 0, result.stderr
    assert "deleted 2 conversations (5 events)" in result.stdout
    assert _senders(store) == {"resumed": 3, "recent": 2}

    again = _cli("--days", "30", "--tracker-db", url)
    assert "deleted 0 conversations" in again.stdout
    assert "deleted 1 conversations" in _cli("--days", "1", "--tracker-db", url).stdout
    assert _senders(store) == {"recent": 2}


def test_purged_conversation_is_gone_for_rasa(store):
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain

    from bot import retention

    report = retention.purge(30, f"sqlite:///{store}")
    assert (report.conversations, report.events) == (2, 5)
    rasa_store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(store))
    try:
        assert asyncio.run(rasa_store.retrieve("old")) is None
        kept = asyncio.run(rasa_store.retrieve("resumed"))
        assert kept is not None and len(kept.events) == 3
    finally:
        rasa_store.engine.dispose()


def test_bad_arguments_and_missing_store(tmp_path):
    assert _cli("--days", "-1", "--tracker-db", f"sqlite:///{tmp_path / 'x.db'}").returncode == 2
    assert _cli("--days", "abc").returncode == 2
    assert _cli("--tracker-db", "sqlite://").returncode == 2                  # --days is required
    assert _cli("--days", "1", "--tracker-db", "not a url").returncode == 2
    empty = _cli("--days", "1", "--tracker-db", f"sqlite:///{tmp_path / 'empty.db'}")
    assert empty.returncode == 0 and "deleted 0 conversations" in empty.stdout
    broken = _cli("--days", "1", "--tracker-db", f"sqlite:///{tmp_path / 'no' / 'dir' / 'x.db'}")
    assert broken.returncode == 1 and "tracker store error" in broken.stderr
    assert "Traceback" not in broken.stderr
