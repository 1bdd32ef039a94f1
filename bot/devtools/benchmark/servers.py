"""Start and stop the servers a benchmark run talks to, on free loopback ports.

Single-server setup: one action server + one Rasa server, SQLite tracker store and SQLite accounts
database in a temp dir (nothing of the developer's var/ is touched). Scaled-out setup: scripts/cluster.sh.

The action server is the hardened one of `make run` (``python -m bot.action_server``): it requires
the shared secret MADOGUCHI_ACTION_SECRET, which Rasa sends from the ``headers`` of the generated
endpoints file. Rasa's HTTP API (for reading trackers after a fault run) needs MADOGUCHI_API_TOKEN.
The message rate limit per client (bot.channels.rates, MADOGUCHI_MESSAGES_PER_MINUTE, default 30) is raised
to BENCH_MESSAGES_PER_MINUTE: a closed-loop simulated customer has no think time.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Optional

import yaml

from bot.devtools.localserver import (  # noqa: F401  (free_port, tail, wait_http: used by cluster.py, peer.py)
    MODEL, ROOT, VENV_BIN, LocalServers, endpoints, free_port, server_env, stop_process, tail, wait_http,
)

ACTION_SECRET = "bench-action-secret-not-for-production-0123456789"
API_TOKEN = "bench-api-token-not-for-production-0123456789"
BENCH_MESSAGES_PER_MINUTE = "100000"


def base_env(extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    env = server_env()
    env.setdefault("MADOGUCHI_ACTION_SECRET", ACTION_SECRET)
    env.setdefault("MADOGUCHI_API_TOKEN", API_TOKEN)
    env.setdefault("MADOGUCHI_MESSAGES_PER_MINUTE", BENCH_MESSAGES_PER_MINUTE)
    env.update(extra or {})
    return env


@dataclass
class SingleServer:
    """One Rasa server + one action server; `extra_env` e.g. {"SANIC_WORKERS": "2"} for experiments."""

    model: Path = MODEL
    # credentials.yml of the Rasa server (the stock peer: Rasa's own `rest:` channel)
    credentials: Path = ROOT / "credentials.yml"
    # sqlite: as `make run` (bot.tracker_store.CachedSQLTrackerStore); sqlite-rasa: Rasa's SQL store;
    # sqlite-wal: Rasa's SQL store on a file pre-set to journal_mode=WAL; memory: in-memory store
    tracker_store: str = "sqlite"
    extra_env: Dict[str, str] = field(default_factory=dict)
    # > 1: SANIC_WORKERS processes in the one Rasa server; Rasa allows that only with a Redis lock
    # store, so a private redis-server is started on a free loopback port.
    sanic_workers: int = 1
    # True: start Rasa as `python -m bot.devtools.lean_rasa run` (Rasa's CLI without importing JAX) instead of `rasa run`
    lean: bool = False
    secret: str = "bench-secret-not-for-production-0123456789"
    workdir: Path = field(init=False)
    rasa_port: int = field(init=False, default=0)
    action_port: int = field(init=False, default=0)
    servers: Optional[LocalServers] = field(init=False, default=None)
    redis: Optional[subprocess.Popen] = field(init=False, default=None)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def env(self) -> Dict[str, str]:
        # SANIC_HOST: the action server (rasa_sdk 3.6 has no --interface) listens on loopback only.
        env = base_env({"SANIC_HOST": "127.0.0.1", "MADOGUCHI_DB_URL": f"sqlite:///{self.workdir / 'accounts.db'}",
                        "MADOGUCHI_SECRET": os.environ.get("MADOGUCHI_SECRET", self.secret), **self.extra_env})
        return env

    def pids(self) -> Dict[str, int]:
        return {"rasa": self.rasa.pid if self.rasa else 0, "actions": self.actions.pid if self.actions else 0}

    def start(self, timeout: float = 420) -> "SingleServer":
        self.workdir = Path(tempfile.mkdtemp(prefix="mdg-bench-"))
        store_type = "bot.tracker_store.CachedSQLTrackerStore" if self.tracker_store == "sqlite" else "SQL"
        tracker = ({"type": store_type, "dialect": "sqlite", "db": str(self.workdir / "tracker.db")}
                   if self.tracker_store.startswith("sqlite") else None)
        if self.tracker_store == "sqlite-wal":
            # journal_mode=WAL is stored in the database file: Rasa's SQLTrackerStore then uses it as is.
            import sqlite3
            with sqlite3.connect(self.workdir / "tracker.db") as conn:
                conn.execute("PRAGMA journal_mode=WAL")
        lock, rasa_env = None, {}
        if self.sanic_workers > 1:
            redis_port = free_port()
            self.redis = subprocess.Popen(
                ["redis-server", "--bind", "127.0.0.1", "--port", str(redis_port), "--save", "", "--appendonly", "no",
                 "--dir", str(self.workdir)], stdout=(self.workdir / "redis.log").open("w"),
                stderr=subprocess.STDOUT, start_new_session=True)
            lock = {"type": "redis", "url": "127.0.0.1", "port": redis_port, "db": 1}
            rasa_env["SANIC_WORKERS"] = str(self.sanic_workers)
        self.rasa_port, self.action_port = free_port(), free_port()
        endpoints_file = self.workdir / "endpoints.yml"
        endpoints_file.write_text(yaml.safe_dump(endpoints(self.action_port, tracker_store=tracker, lock_store=lock)),
                                  encoding="utf-8")
        env = self.env
        load = subprocess.run([str(VENV_BIN / "python"), "-m", "bot", "accounts", "load-demo"], cwd=ROOT,
                              env=env, capture_output=True, text=True, timeout=120)
        if load.returncode != 0:
            raise RuntimeError(f"accounts load-demo failed: {load.stderr}")
        launcher = [str(VENV_BIN / "python"), "-m", "bot.devtools.lean_rasa"] if self.lean else None
        self.servers = LocalServers(self.workdir, env, endpoints_file, model=self.model, credentials=self.credentials,
                                    rasa_port=self.rasa_port, action_port=self.action_port,
                                    api_token=env["MADOGUCHI_API_TOKEN"], launcher=launcher, rasa_env=rasa_env)
        try:
            self.servers.spawn_actions()
            self.servers.spawn_rasa()
            self.servers.wait_actions(timeout, interval=0.5)
            self.servers.wait_rasa(timeout, interval=0.5)
        except BaseException:
            self.stop()
            raise
        return self

    @property
    def rasa(self) -> Optional[subprocess.Popen]:
        return self.servers.rasa if self.servers else None

    @property
    def actions(self) -> Optional[subprocess.Popen]:
        return self.servers.actions if self.servers else None

    @property
    def api_token(self) -> str:
        return self.env["MADOGUCHI_API_TOKEN"]

    @property
    def tracker_db(self) -> Path:
        return self.workdir / "tracker.db"

    def start_actions(self, wait: float = 0) -> None:
        """(Re)start the hardened action server on its port; `wait` > 0: until it answers /health."""
        self.servers.spawn_actions()
        if wait:
            self.servers.wait_actions(wait, interval=0.1)

    def kill_actions(self) -> None:
        """SIGKILL the action server (a crash: no graceful shutdown)."""
        self.servers.kill_actions()

    def stop(self) -> None:
        if self.servers is not None:
            self.servers.stop()
        stop_process(self.redis, timeout=15)
        if getattr(self, "workdir", None) and not os.environ.get("MADOGUCHI_BENCH_KEEP"):
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> "SingleServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
