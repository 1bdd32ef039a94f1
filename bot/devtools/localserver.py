"""The one way our servers are started on this machine: the action server and the Rasa server with the
right environment, endpoints and credentials, waited for until they answer, and stopped again.

Used by `make run` (scripts/run.sh → ``python -m bot.devtools.run``), the benchmark
(bot.devtools.benchmark.servers), and every live-server test harness (tests/support/live_bot.py,
production_bot.py, webchat.py, staff_bot.py; tests/integration/test_account_conversations.py). The
scaled-out cluster keeps its own start-up in scripts/cluster.sh
(detached daemons with pid files, which outlive the starting process).

The action server is always the hardened one (``python -m bot.action_server``, loopback,
MADOGUCHI_ACTION_SECRET required); the endpoints file a harness writes sends that secret from the
environment (``${MADOGUCHI_ACTION_SECRET}``: Rasa substitutes it, the secret is never written to disk).
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent  # the virtualenv this process runs in (.venv/bin under make)
MODEL = ROOT / "models" / "madoguchi.tar.gz"
ACTION_SECRET_HEADER = {"Authorization": "Bearer ${MADOGUCHI_ACTION_SECRET}"}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(Path(path).read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def wait_http(url: str, processes: Sequence[subprocess.Popen], logs: Sequence[Path], timeout: float,
              interval: float = 0.5) -> None:
    """Wait until `url` answers 200; fail early, with the logs, if one of the processes exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for process in processes:
            if process.poll() is not None:
                tails = "\n".join(f"--- {log}\n{tail(log)}" for log in logs)
                raise RuntimeError(f"a server exited (code {process.returncode}) while starting:\n{tails}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:  # URLError, refused and reset connections are all OSErrors
            pass
        time.sleep(interval)
    tails = "\n".join(f"--- {log}\n{tail(log)}" for log in logs)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s:\n{tails}")


def server_env(extra: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
    """This process's environment plus what every server of ours needs (as the Makefile exports it)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    for name, value in (("SQLALCHEMY_SILENCE_UBER_WARNING", "1"), ("TF_CPP_MIN_LOG_LEVEL", "3"),
                        # one TensorFlow thread per op: less CPU per message on small machines (Makefile)
                        ("TF_INTRA_OP_PARALLELISM_THREADS", "1"), ("TF_INTER_OP_PARALLELISM_THREADS", "1"),
                        ("RASA_TELEMETRY_ENABLED", "false")):
        env.setdefault(name, value)
    env.update(extra or {})
    return env


def endpoints(action_port: int, base: Optional[Mapping[str, Any]] = None, **sections: Any) -> Dict[str, Any]:
    """An endpoints.yml for a local Rasa server: `base` (e.g. the project's endpoints.yml) with the action
    endpoint on `action_port` carrying the shared secret, and `sections` (tracker_store, lock_store) set."""
    result = dict(base or {})
    result["action_endpoint"] = {"url": f"http://127.0.0.1:{action_port}/webhook",
                                 "enable_selective_domain": True,  # as endpoints.yml
                                 "headers": dict(ACTION_SECRET_HEADER)}
    result.update({name: value for name, value in sections.items() if value is not None})
    return result


def die_with_parent() -> None:
    """Linux: the server gets SIGTERM when the process that started it dies (a killed test run)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:
        pass


def stop_process(process: Optional[subprocess.Popen], timeout: float = 20) -> None:
    """SIGTERM to the server's process group (its workers too), SIGKILL if it does not exit in time."""
    if process is None or process.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


class LocalServers:
    """One action server + one Rasa server. `env` is the environment of both (kept by reference: a harness
    may update it before starting); `endpoints_file` and `credentials` are the Rasa server's files."""

    def __init__(self, workdir: Path, env: Dict[str, str], endpoints_file: Path, *,
                 model: Path = MODEL, credentials: Path = ROOT / "credentials.yml",
                 rasa_port: Optional[int] = None, action_port: Optional[int] = None,
                 interface: Optional[str] = "127.0.0.1", api_token: Optional[str] = None,
                 rasa_args: Sequence[str] = (), action_args: Sequence[str] = (),
                 rasa_env: Optional[Mapping[str, str]] = None,
                 launcher: Optional[List[str]] = None, ready_path: str = "/webhooks/rest/",
                 logs: Optional[Dict[str, Path]] = None, actions_cwd: Path = ROOT) -> None:
        self.workdir, self.env, self.endpoints_file = Path(workdir), env, Path(endpoints_file)
        self.model, self.credentials = Path(model), Path(credentials)
        self.rasa_port = rasa_port or free_port()
        self.action_port = action_port or free_port()
        self.interface, self.api_token, self.ready_path = interface, api_token, ready_path
        self.rasa_args, self.action_args = list(rasa_args), list(action_args)
        self.rasa_env = dict(rasa_env or {})  # the Rasa server's only (e.g. SANIC_WORKERS)
        # e.g. [python, -m, bot.devtools.lean_rasa] (Rasa's CLI without JAX); default: the venv's `rasa`
        self.launcher = launcher or [str(VENV_BIN / "rasa")]
        logs = logs or {}
        self.rasa_log = Path(logs.get("rasa", self.workdir / "rasa.log"))
        self.actions_log = Path(logs.get("actions", self.workdir / "actions.log"))
        self.actions_cwd = Path(actions_cwd)
        self.rasa: Optional[subprocess.Popen] = None
        self.actions: Optional[subprocess.Popen] = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    def _spawn(self, args: List[str], log: Path, env: Dict[str, str], cwd: Path) -> subprocess.Popen:
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "ab") as handle:  # appended: a restarted server keeps the earlier lines
            return subprocess.Popen(args, cwd=str(cwd), env=env, stdout=handle, stderr=subprocess.STDOUT,
                                    start_new_session=True, preexec_fn=die_with_parent)

    def spawn_actions(self, **extra_env: str) -> subprocess.Popen:
        self.actions = self._spawn(
            [str(VENV_BIN / "python"), "-m", "bot.action_server", "--actions", "actions",
             "--interface", "127.0.0.1", "--port", str(self.action_port), *self.action_args],
            self.actions_log, {**self.env, **extra_env}, self.actions_cwd)
        return self.actions

    def spawn_rasa(self) -> subprocess.Popen:
        args = [*self.launcher, "run", "--model", str(self.model), "--port", str(self.rasa_port), "--enable-api"]
        if self.interface:
            args += ["--interface", self.interface]
        if self.api_token:
            args += ["--auth-token", self.api_token]
        args += ["--credentials", str(self.credentials), "--endpoints", str(self.endpoints_file), *self.rasa_args]
        self.rasa = self._spawn(args, self.rasa_log, {**self.env, **self.rasa_env}, ROOT)
        return self.rasa

    def wait_actions(self, timeout: float = 300, interval: float = 0.3) -> None:
        wait_http(f"http://127.0.0.1:{self.action_port}/health", [self.actions], [self.actions_log], timeout, interval)

    def wait_rasa(self, timeout: float = 420, interval: float = 0.3) -> None:
        processes = [p for p in (self.actions, self.rasa) if p is not None]
        wait_http(self.url + self.ready_path, processes, [self.actions_log, self.rasa_log], timeout, interval)

    def start_actions(self, timeout: float = 300, **extra_env: str) -> None:
        self.spawn_actions(**extra_env)
        self.wait_actions(timeout)

    def start_rasa(self, timeout: float = 420) -> None:
        self.spawn_rasa()
        self.wait_rasa(timeout)

    def start(self, timeout: float = 420) -> "LocalServers":
        """Both, started side by side (Rasa loads its model while the action server comes up)."""
        try:
            self.spawn_actions()
            self.spawn_rasa()
            self.wait_actions(timeout)
            self.wait_rasa(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def kill_actions(self) -> None:
        """SIGKILL the action server (a crash: no graceful shutdown)."""
        if self.actions is not None and self.actions.poll() is None:
            try:
                os.killpg(self.actions.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.actions.wait(10)

    def stop_actions(self) -> None:
        stop_process(self.actions)
        self.actions = None

    def stop_rasa(self) -> None:
        stop_process(self.rasa)
        self.rasa = None

    def stop(self) -> None:
        self.stop_rasa()
        self.stop_actions()
