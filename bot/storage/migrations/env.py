"""Alembic environment for the accounts database.

The URL is, in order: a connection handed over by bot.storage.db (schema upgrade on first use),
the config's sqlalchemy.url, or bot.settings.db_url() (MADOGUCHI_DB_URL).
"""
from __future__ import annotations

from logging.config import fileConfig

from alembic import context
from sqlalchemy import create_engine

from bot import settings
from bot.storage.db import normalize_url
from bot.storage.models import Base

config = context.config
target_metadata = Base.metadata

# Only when run from the alembic command line: don't reconfigure the app's logging otherwise.
if config.config_file_name is not None and "connection" not in config.attributes:
    fileConfig(config.config_file_name)


def _url() -> str:
    return normalize_url(config.get_main_option("sqlalchemy.url") or settings.db_url())


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True,
                      render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def _run(connection) -> None:
    # render_as_batch: SQLite cannot ALTER most things; batch mode rebuilds the table instead.
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(_url(), future=True)
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
