"""Databases for the storage tests: a fresh SQLite file, and one on the session's real PostgreSQL
server (tests.support.postgres, skipped with the reason when the server is not installed)."""
from __future__ import annotations

import pytest

from bot.storage import db
from tests.support.postgres import new_postgres_database, postgres_server  # noqa: F401  (fixture)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path, monkeypatch):
    """A fresh, empty accounts database URL on each backend; also set as MADOGUCHI_DB_URL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'accounts.db'}"
    else:
        url = new_postgres_database(request.getfixturevalue("postgres_server"))
    monkeypatch.setenv("MADOGUCHI_DB_URL", url)
    yield url
    db.dispose_all()
