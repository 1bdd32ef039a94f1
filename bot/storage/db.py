"""Engine and session factory: one engine per URL, schema brought to the latest revision on first use."""
from __future__ import annotations

import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot import settings

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SCHEMA_LOCK_KEY = 0x6D61646F  # "mado": advisory lock id for schema upgrades on PostgreSQL

_engines: dict[str, Engine] = {}
_sessionmakers: dict[str, sessionmaker] = {}
_lock = threading.Lock()


def normalize_url(url: str) -> str:
    """SQLAlchemy 1.4 has no psycopg (v3) dialect: production URLs say postgresql+psycopg://."""
    for prefix in ("postgresql+psycopg://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg2://" + url[len(prefix):]
    return url


def _enable_sqlite_foreign_keys(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # pragma: no cover - trivial
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def get_engine(url: Optional[str] = None) -> Engine:
    """The cached engine for `url` (default: bot.settings.db_url()), schema up to date."""
    url = normalize_url(url or settings.db_url())
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            if url.startswith("sqlite"):
                _ensure_sqlite_dir(url)
                engine = create_engine(url, future=True, connect_args={"check_same_thread": False})
                _enable_sqlite_foreign_keys(engine)
            else:
                engine = create_engine(url, future=True, pool_pre_ping=True)
            upgrade_schema(engine)
            _engines[url] = engine
            _sessionmakers[url] = sessionmaker(bind=engine, future=True, expire_on_commit=False)
        return engine


def _ensure_sqlite_dir(url: str) -> None:
    """Create the directory of a SQLite file so the first connection can create the file."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and url[len(prefix):] not in ("", ":memory:"):
        Path(url[len(prefix):]).parent.mkdir(parents=True, exist_ok=True)


def alembic_config(url: str):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", normalize_url(url).replace("%", "%%"))
    return config


@contextmanager
def _sqlite_file_lock(engine: Engine) -> Iterator[None]:
    """Serialise schema upgrades of one SQLite file across processes (SQLite has no advisory locks)."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        yield
        return
    import fcntl

    with open(f"{database}.schema-lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def upgrade_schema(engine: Engine) -> None:
    """Apply every Alembic revision not yet applied (creates the schema on an empty database)."""
    from alembic import command

    config = alembic_config(str(engine.url))
    with _sqlite_file_lock(engine), engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Two processes starting together (action server, CLI) must not both create the schema.
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK_KEY})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


@contextmanager
def session_scope(url: Optional[str] = None) -> Iterator[Session]:
    """One transaction: commit on success, roll back on any error."""
    get_engine(url)
    factory = _sessionmakers[normalize_url(url or settings.db_url())]
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def dispose_all() -> None:
    """Close every cached engine (tests)."""
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
        _sessionmakers.clear()
