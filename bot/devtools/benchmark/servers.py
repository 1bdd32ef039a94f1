"""Start and stop the servers a benchmark run talks to, on free loopback ports.

Single-server setup: one action server + one Rasa server, SQLite tracker store and SQLite accounts
database in a temp dir (nothing of the developer's var/ is touched). Scaled-out setup: scripts/cluster.sh.

The action server is the hardened one of `make run` (``python -m bot.auth.action_server``): it requires
the shared secret MADOGUCHI_ACTION_SECRET, which Rasa sends from the ``headers`` of the generated
endpoints file. Rasa's HTTP API (for reading trackers after a fault run) needs MADOGUCHI_API_TOKEN.
The message rate limit per client (bot.auth.limits, MADOGUCHI_MESSAGES_PER_MINUTE, default 30) is raised
to BENCH_MESSAGES_PER_MINUTE: a closed-loop simulated customer has no think time.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

from bot import settings
from bot.devtools.localserver import free_port, tail, wait_http  # noqa: F401  (free_port: used by cluster.py)

ROOT = settings.PROJECT_ROOT
VENV_BIN = ROOT / ".venv" / "bin"
MODEL = ROOT / "models" / "madoguchi.tar.gz"
ACTION_SECRET = "bench-action-secret-not-for-production-0123456789"
API_TOKEN = "bench-api-token-not-for-production-0123456789"
BENCH_MESSAGES_PER_MINUTE = "100000"


def base_env(extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    # as the Makefile: one TensorFlow thread per op (less CPU per message on small machines)
    env.setdefault("TF_INTRA_OP_PARALLELISM_THREADS", "1")
    env.setdefault("TF_INTER_OP_PARALLELISM_THREADS", "1")
    env.setdefault("RASA_TELEMETRY_ENABLED", "false")
    env.setdefault("MADOGUCHI_ACTION_SECRET", ACTION_SECRET)
    env.setdefault("MADOGUCHI_API_TOKEN", API_TOKEN)
    env.setdefault("MADOGUCHI_MESSAGES_PER_MINUTE", BENCH_MESSAGES_PER_MINUTE)
    env.update(extra or {})
    return env


def stop_process(proc: subprocess.Popen, timeout: float = 15) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(5)


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
    rasa: Optional[subprocess.Popen] = field(init=False, default=None)
    actions: Optional[subprocess.Popen] = field(init=False, default=None)
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

    @property
    def rasa_env(self) -> Dict[str, str]:
        env = self.env
        return env

    def pids(self) -> Dict[str, int]:
        return {"rasa": self.rasa.pid if self.rasa else 0, "actions": self.actions.pid if self.actions else 0}

    def start(self, timeout: float = 420) -> "SingleServer":
        self.workdir = Path(tempfile.mkdtemp(prefix="mdg-bench-"))
        self.rasa_port, self.action_port = free_port(), free_port()
        store_type = "bot.tracker_store.CachedSQLTrackerStore" if self.tracker_store == "sqlite" else "SQL"
        tracker = (f"tracker_store:\n  type: {store_type}\n  dialect: sqlite\n"
                   f"  db: \"{self.workdir / 'tracker.db'}\"\n") if self.tracker_store.startswith("sqlite") else ""
        if self.tracker_store == "sqlite-wal":
            # journal_mode=WAL is stored in the database file: Rasa's SQLTrackerStore then uses it as is.
            import sqlite3
            with sqlite3.connect(self.workdir / "tracker.db") as conn:
                conn.execute("PRAGMA journal_mode=WAL")
        lock = ""
        env = self.env
        if self.sanic_workers > 1:
            redis_port = free_port()
            self.redis = subprocess.Popen(
                ["redis-server", "--bind", "127.0.0.1", "--port", str(redis_port), "--save", "", "--appendonly", "no",
                 "--dir", str(self.workdir)], stdout=(self.workdir / "redis.log").open("w"),
                stderr=subprocess.STDOUT, start_new_session=True)
            lock = f"lock_store:\n  type: redis\n  url: 127.0.0.1\n  port: {redis_port}\n  db: 1\n"
        rasa_env = self.rasa_env
        if self.sanic_workers > 1:
            rasa_env["SANIC_WORKERS"] = str(self.sanic_workers)
        endpoints = self.workdir / "endpoints.yml"
        # ${MADOGUCHI_ACTION_SECRET}: Rasa substitutes it from the environment (the secret is not written)
        endpoints.write_text(f"action_endpoint:\n  url: \"http://127.0.0.1:{self.action_port}/webhook\"\n"
                             "  enable_selective_domain: true\n"
                             "  headers:\n    Authorization: Bearer ${MADOGUCHI_ACTION_SECRET}\n"
                             + tracker + lock, encoding="utf-8")
        load = subprocess.run([str(VENV_BIN / "python"), "-m", "bot", "accounts", "load-demo"], cwd=ROOT,
                              env=env, capture_output=True, text=True, timeout=120)
        if load.returncode != 0:
            raise RuntimeError(f"accounts load-demo failed: {load.stderr}")
        logs = [self.workdir / "actions.log", self.workdir / "rasa.log"]
        self.start_actions()
        launcher = [str(VENV_BIN / "python"), "-m", "bot.devtools.lean_rasa"] if self.lean else [str(VENV_BIN / "rasa")]
        self.rasa = subprocess.Popen(
            launcher + ["run", "--model", str(self.model), "--port", str(self.rasa_port),
             "--interface", "127.0.0.1", "--enable-api", "--auth-token", rasa_env["MADOGUCHI_API_TOKEN"],
             "--credentials", str(self.credentials), "--endpoints", str(endpoints)],
            cwd=ROOT, env=rasa_env, stdout=logs[1].open("w"), stderr=subprocess.STDOUT, start_new_session=True)
        procs = [self.actions, self.rasa]
        try:
            wait_http(f"http://127.0.0.1:{self.action_port}/health", procs, logs, timeout)
            wait_http(f"{self.url}/webhooks/rest/", procs, logs, timeout)
        except BaseException:
            self.stop()
            raise
        return self

    @property
    def api_token(self) -> str:
        return self.env["MADOGUCHI_API_TOKEN"]

    @property
    def tracker_db(self) -> Path:
        return self.workdir / "tracker.db"

    def start_actions(self, wait: float = 0) -> None:
        """(Re)start the hardened action server on its port; `wait` > 0: until it answers /health."""
        log = (self.workdir / "actions.log").open("a")
        self.actions = subprocess.Popen(
            [str(VENV_BIN / "python"), "-m", "bot.auth.action_server", "--actions", "actions",
             "--interface", "127.0.0.1", "--port", str(self.action_port)],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        if wait:
            wait_http(f"http://127.0.0.1:{self.action_port}/health", [self.actions],
                      [self.workdir / "actions.log"], wait, interval=0.1)

    def kill_actions(self) -> None:
        """SIGKILL the action server (a crash: no graceful shutdown)."""
        if self.actions is not None and self.actions.poll() is None:
            try:
                os.killpg(self.actions.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.actions.wait(10)

    def stop(self) -> None:
        for proc in (self.rasa, self.actions, self.redis):
            if proc is not None:
                stop_process(proc)
        if getattr(self, "workdir", None) and not os.environ.get("MADOGUCHI_BENCH_KEEP"):
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> "SingleServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
