"""CachedSQLTrackerStore keeps exactly what Rasa's SQLTrackerStore keeps, in the same SQL table."""
import asyncio

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity

from bot.settings import PROJECT_ROOT
from bot.tracker_store import CachedSQLTrackerStore

DOMAIN = Domain.load(str(PROJECT_ROOT / "domain.yml"))


def store(cls, path, **kwargs):
    return cls(domain=DOMAIN, dialect="sqlite", db=str(path), **kwargs)


def turn(tracker, text, reply, at):
    tracker.update(UserUttered(text, {"name": "greet", "confidence": 1.0}, timestamp=at))
    tracker.update(ActionExecuted("utter_greet", timestamp=at + 0.1))
    tracker.update(BotUttered(reply, timestamp=at + 0.2))
    tracker.update(ActionExecuted("action_listen", timestamp=at + 0.3))


async def conversation(cls, path, **kwargs):
    """A conversation over three turns and a new session; returns what each store keeps."""
    s = store(cls, path, **kwargs)
    tracker = DialogueStateTracker.from_events("c1", [ActionExecuted("action_session_start", timestamp=1.0),
                                                      SessionStarted(timestamp=1.1),
                                                      ActionExecuted("action_listen", timestamp=1.2)],
                                               slots=DOMAIN.slots)
    await s.save(tracker)
    for n in range(3):
        tracker = await s.retrieve("c1")
        turn(tracker, f"こんにちは{n}", f"返事{n}", 10.0 + n)
        tracker.update(SlotSet("service", "rental", timestamp=10.5 + n))
        await s.save(tracker)
    tracker = await s.retrieve("c1")
    tracker.update(ActionExecuted("action_session_start", timestamp=100.0))
    tracker.update(SessionStarted(timestamp=100.1))
    tracker.update(ActionExecuted("action_listen", timestamp=100.2))
    await s.save(tracker)
    tracker = await s.retrieve("c1")
    turn(tracker, "新しいセッション", "はい", 200.0)
    await s.save(tracker)
    latest = (await s.retrieve("c1")).current_state(EventVerbosity.ALL)
    full = (await s.retrieve_full_tracker("c1")).current_state(EventVerbosity.ALL)
    after_restart = (await store(SQLTrackerStore, path).retrieve("c1")).current_state(EventVerbosity.ALL)
    return latest, full, after_restart


@pytest.mark.parametrize("cache_seconds", [600.0, 0.0])
def test_same_conversation_as_rasas_sql_store(tmp_path, cache_seconds):
    plain = asyncio.run(conversation(SQLTrackerStore, tmp_path / "plain.db"))
    cached = asyncio.run(conversation(CachedSQLTrackerStore, tmp_path / "cached.db", cache_seconds=cache_seconds))
    assert cached == plain
    latest, full, after_restart = cached
    assert [e["text"] for e in latest["events"] if e["event"] == "user"] == ["新しいセッション"]
    assert [e["text"] for e in full["events"] if e["event"] == "user"] == ["こんにちは0", "こんにちは1", "こんにちは2", "新しいセッション"]
    assert after_restart == latest


def test_turns_are_written_to_sql_immediately_and_only_once(tmp_path):
    async def run():
        s = store(CachedSQLTrackerStore, tmp_path / "t.db")
        tracker = DialogueStateTracker.from_events("c2", [ActionExecuted("action_listen", timestamp=1.0)], slots=DOMAIN.slots)
        await s.save(tracker)
        for n in range(5):
            tracker = await s.retrieve("c2")
            turn(tracker, f"質問{n}", f"回答{n}", 10.0 + n)
            await s.save(tracker)
            await s.save(tracker)  # saving the same tracker again adds nothing
            other = await store(SQLTrackerStore, tmp_path / "t.db").retrieve("c2")
            assert [e.text for e in other.events if isinstance(e, UserUttered)] == [f"質問{i}" for i in range(n + 1)]

    asyncio.run(run())


def test_cache_is_bounded(tmp_path):
    async def run():
        s = store(CachedSQLTrackerStore, tmp_path / "b.db", cache_size=3)
        for n in range(5):
            await s.save(DialogueStateTracker.from_events(f"c{n}", [ActionExecuted("action_listen", timestamp=1.0)], slots=DOMAIN.slots))
            await s.retrieve(f"c{n}")
        assert list(s._cache) == ["c2", "c3", "c4"]
        assert (await s.retrieve("c0")) is not None  # evicted conversations are read from SQL again

    asyncio.run(run())


def test_sqlite_file_uses_wal_with_normal_sync(tmp_path):
    import sqlite3

    s = store(CachedSQLTrackerStore, tmp_path / "t.db")
    with s.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    with sqlite3.connect(tmp_path / "t.db") as raw:  # journal_mode=WAL is kept in the file
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def users(tracker):
    return [e.text for e in tracker.events if isinstance(e, UserUttered)]


def test_two_servers_sharing_one_database_see_each_others_turns(tmp_path):
    """As in the cluster: turns of one conversation alternate between two Rasa servers (one at a
    time, as the Redis lock store guarantees); neither server's cache hides the other's turns."""
    async def run():
        a = store(CachedSQLTrackerStore, tmp_path / "shared.db")
        b = store(CachedSQLTrackerStore, tmp_path / "shared.db")
        tracker = DialogueStateTracker.from_events("c3", [ActionExecuted("action_listen", timestamp=1.0)], slots=DOMAIN.slots)
        await a.save(tracker)
        for n in range(6):
            server = (a, b)[n % 2]
            tracker = await server.retrieve("c3")
            assert users(tracker) == [f"質問{i}" for i in range(n)]
            turn(tracker, f"質問{n}", f"回答{n}", 10.0 + n)
            await server.save(tracker)
        # without a lock store, a turn saved from a tracker read before the other server's write:
        # Rasa's own SQL store would drop it (it counts rows); here both turns are kept, once each
        stale = await a.retrieve("c3")
        fresh = await b.retrieve("c3")
        turn(fresh, "質問6", "回答6", 20.0)
        await b.save(fresh)
        turn(stale, "質問6b", "回答6b", 21.0)
        await a.save(stale)
        plain = await store(SQLTrackerStore, tmp_path / "shared.db").retrieve("c3")
        assert users(plain) == [f"質問{i}" for i in range(7)] + ["質問6b"]

    asyncio.run(run())


def test_purged_conversation_is_not_served_from_the_cache(tmp_path):
    async def run():
        s = store(CachedSQLTrackerStore, tmp_path / "p.db")
        tracker = DialogueStateTracker.from_events("c4", [ActionExecuted("action_listen", timestamp=1.0)], slots=DOMAIN.slots)
        turn(tracker, "個人的な質問", "回答", 2.0)
        await s.save(tracker)
        assert users(await s.retrieve("c4")) == ["個人的な質問"]
        with s.session_scope() as session:  # what `python -m bot conversations purge` does
            session.query(s.SQLEvent).filter(s.SQLEvent.sender_id == "c4").delete()
            session.commit()
        assert await s.retrieve("c4") is None

    asyncio.run(run())
