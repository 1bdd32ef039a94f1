"""CachedSQLTrackerStore rides out a briefly unreachable database (issue #17: PostgreSQL restarted under
load): reads and writes are retried, and a write that did commit before its error is not written twice."""
import asyncio

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot import tracker_store
from bot.settings import PROJECT_ROOT
from bot.tracker_store import CachedSQLTrackerStore

DOMAIN = Domain.load(str(PROJECT_ROOT / "domain.yml"))


def _error() -> sa.exc.OperationalError:
    return sa.exc.OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))


def _failing(function, times):
    calls = {"n": 0}

    def wrapper(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] <= times:
            raise _error()
        return function(*args, **kwargs)
    return wrapper


def _turn(tracker, text, at):
    tracker.update(UserUttered(text, {"name": "greet", "confidence": 1.0}, timestamp=at))
    tracker.update(ActionExecuted("utter_greet", timestamp=at + 0.1))
    tracker.update(BotUttered("はい", timestamp=at + 0.2))
    tracker.update(ActionExecuted("action_listen", timestamp=at + 0.3))


async def _start(path):
    s = CachedSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(path))
    await s.save(DialogueStateTracker.from_events("c1", [ActionExecuted("action_listen", timestamp=1.0)],
                                                  slots=DOMAIN.slots))
    return s


async def _stored_texts(path):
    tracker = await SQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(path)).retrieve("c1")
    return [e.text for e in tracker.events if isinstance(e, UserUttered)]


def test_write_that_fails_is_retried_and_stored_once(tmp_path):
    async def run():
        s = await _start(tmp_path / "t.db")
        tracker = await s.retrieve("c1")
        _turn(tracker, "質問1", 10.0)
        s._last_id = _failing(s._last_id, 2)  # the database is away for two attempts
        await s.save(tracker)
        return await _stored_texts(tmp_path / "t.db")

    assert asyncio.run(run()) == ["質問1"]


def test_write_that_committed_before_its_error_is_not_written_twice(tmp_path):
    async def run():
        s = await _start(tmp_path / "t.db")
        tracker = await s.retrieve("c1")
        _turn(tracker, "質問1", 10.0)
        s._remember = _failing(s._remember, 1)  # after the commit: as if the acknowledgement was lost
        await s.save(tracker)
        tracker = await s.retrieve("c1")
        _turn(tracker, "質問2", 20.0)
        await s.save(tracker)
        return await _stored_texts(tmp_path / "t.db")

    assert asyncio.run(run()) == ["質問1", "質問2"]


def test_read_is_retried(tmp_path):
    async def run():
        s = await _start(tmp_path / "t.db")
        s._last_id = _failing(s._last_id, 3)
        return await s.retrieve("c1")

    assert asyncio.run(run()) is not None


def test_a_database_that_stays_away_still_fails(tmp_path, monkeypatch):
    monkeypatch.setattr(tracker_store, "RETRY_SECONDS", 0.3)

    async def run():
        s = await _start(tmp_path / "t.db")
        s._last_id = _failing(s._last_id, 10**6)
        await s.retrieve("c1")

    with pytest.raises(sa.exc.OperationalError):
        asyncio.run(run())
