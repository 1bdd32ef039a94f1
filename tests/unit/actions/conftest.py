"""Tracker fixtures for the account and identity actions, against a real SQLite accounts database
loaded from fixtures/demo_accounts.yml (bot.storage.fixtures.import_file into a temp file)."""
from __future__ import annotations

from typing import Any, Dict, List

import pytest
import yaml

from bot.storage import db
from tests.support.trackers import NOW
from tests.support.demo_accounts import DEMO, SECRET


@pytest.fixture(scope="session")
def demo_db_url(tmp_path_factory) -> str:
    from bot.storage.fixtures import import_file

    path = tmp_path_factory.mktemp("accounts") / "accounts.db"
    url = f"sqlite:///{path}"
    import_file(DEMO, url)
    return url


@pytest.fixture(autouse=True)
def env(demo_db_url, monkeypatch):
    """Demo database, fixed today (2026-11-20), fixed secret and a fixed identity clock."""
    import actions.identity

    monkeypatch.setenv("MADOGUCHI_DB_URL", demo_db_url)
    monkeypatch.setenv("MADOGUCHI_TODAY", "2026-11-20")
    monkeypatch.setenv("MADOGUCHI_SECRET", SECRET)
    monkeypatch.setattr(actions.identity, "clock", lambda: NOW)
    from bot.identity import attempts, limits, locks

    monkeypatch.setattr(actions.identity, "LOCKS", locks.LockRegistry())
    # fresh shared verification counters (per contract number / client) for every test
    monkeypatch.setattr(actions.identity, "LIMITS", limits.VerificationLimiter(attempts.MemoryAttemptStore()))
    yield
    db.dispose_all()


@pytest.fixture(scope="session")
def demo_accounts() -> List[Dict[str, Any]]:
    return yaml.safe_load(DEMO.read_text(encoding="utf-8"))["accounts"]
