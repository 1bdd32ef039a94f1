"""A throwaway PostgreSQL server for the test session and a fresh database on it per test.

Debian's server binaries (/usr/lib/postgresql/*/bin). As root the server runs as the `postgres` user
(runuser); it listens on a unix socket in a temp dir and on no TCP address. Tests using it are
skipped, with the reason, when the binaries are not installed."""
from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from bot.storage import db

_counter = itertools.count(1)


def _postgres_bindir() -> Path | None:
    found = glob.glob("/usr/lib/postgresql/*/bin/initdb")
    if not found:
        return None
    newest = max(found, key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    return Path(newest).parent


def _run(cmd: list[str], as_user: list[str]) -> None:
    result = subprocess.run(as_user + cmd, capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {result.stdout}\n{result.stderr}")


@pytest.fixture(scope="session")
def postgres_server():
    """(socket dir, port) of a throwaway PostgreSQL server for this test session."""
    bindir = _postgres_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL server not installed (/usr/lib/postgresql/*/bin/initdb missing; "
                    "apt-get install -y postgresql)")
    as_user: list[str] = []
    base = Path(tempfile.mkdtemp(prefix="mdg-pg-"))  # short path: unix socket names are limited
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root but there is no 'postgres' user to run the server")
        if shutil.which("runuser") is None:
            pytest.skip("running as root but runuser is missing")
        shutil.chown(base, "postgres", "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    data = base / "data"
    port = 54000 + os.getpid() % 1000  # only a socket name: no TCP listener is opened
    try:
        _run([str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
              "--locale=C", "--no-sync"], as_user)
        _run([str(bindir / "pg_ctl"), "-D", str(data), "-l", str(base / "server.log"), "-w", "-t", "60",
              "-o", f"-k {base} -p {port} -c listen_addresses='' -c fsync=off -c full_page_writes=off",
              "start"], as_user)
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        shutil.rmtree(base, ignore_errors=True)
        pytest.fail(f"could not start PostgreSQL: {exc}")
    try:
        yield base, port
    finally:
        db.dispose_all()
        subprocess.run(as_user + [str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                       capture_output=True, timeout=60)
        shutil.rmtree(base, ignore_errors=True)


def new_postgres_database(server) -> str:
    import psycopg2

    sock, port = server
    name = f"madoguchi_test_{os.getpid()}_{next(_counter)}"
    conn = psycopg2.connect(host=str(sock), port=port, user="postgres", dbname="postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    # The production spelling (psycopg v3); bot.storage maps it to psycopg2 for SQLAlchemy 1.4.
    return f"postgresql+psycopg://postgres@/{name}?host={sock}&port={port}"
