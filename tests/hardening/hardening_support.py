"""A real Rasa server (the trained model, credentials.yml's channels) and action server for the
hardening tests, on free ports, with every store in a temp dir: accounts (demo fixture), SQL
tracker store on SQLite, secret, logs. Either server can be stopped and started again."""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import yaml

from bot.devtools.localserver import free_port, tail, wait_http  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
MODEL = ROOT / "models" / "madoguchi.tar.gz"
ACTION_TIMEOUT = 3  # MADOGUCHI_ACTION_TIMEOUT of the test Rasa server (seconds)


def post(url: str, body: bytes, timeout: float = 30,
         headers: Optional[Dict[str, str]] = None) -> Tuple[int, Any, float]:
    """(status, parsed JSON or raw text, seconds); `headers` are added to the JSON content type."""
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/json", **(headers or {})})
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as r:
            status, raw = r.status, r.read()
    except urllib.error.HTTPError as e:
        status, raw = e.code, e.read()
    elapsed = time.monotonic() - started
    try:
        return status, json.loads(raw), elapsed
    except ValueError:
        return status, raw.decode("utf-8", "replace"), elapsed


def get_json(url: str, timeout: float = 10) -> Any:
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return json.loads(r.read())


class Stack:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.rasa_port = free_port()
        self.actions_port = free_port()
        self.url = f"http://127.0.0.1:{self.rasa_port}"
        self.webhook = self.url + "/webhooks/rest/webhook"
        self.tracker_db = tmp / "tracker.db"
        self.rasa_log = tmp / "rasa.log"
        self.actions_log = tmp / "actions.log"
        self.secret = "hardening-" + os.urandom(16).hex()
        self.action_secret = "actions-" + os.urandom(16).hex()
        self.env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "MADOGUCHI_SECRET": self.secret,
            "MADOGUCHI_VAR_DIR": str(tmp / "var"),
            "MADOGUCHI_DB_URL": f"sqlite:///{tmp / 'accounts.db'}",
            "MADOGUCHI_ACTION_TIMEOUT": str(ACTION_TIMEOUT),
            "MADOGUCHI_ACTION_SECRET": self.action_secret,
            "RASA_TELEMETRY_ENABLED": "false",
            "TF_CPP_MIN_LOG_LEVEL": "3",
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        }
        endpoints = {
            "action_endpoint": {"url": f"http://127.0.0.1:{self.actions_port}/webhook",
                                "enable_selective_domain": True,  # as endpoints.yml
                                "headers": {"Authorization": f"Bearer {self.action_secret}"}},
            "tracker_store": {"type": "SQL", "dialect": "sqlite", "db": str(self.tracker_db)},
        }
        (tmp / "endpoints.yml").write_text(yaml.safe_dump(endpoints))
        shutil.copy(ROOT / "credentials.yml", tmp / "credentials.yml")
        self.rasa: Optional[subprocess.Popen] = None
        self.actions: Optional[subprocess.Popen] = None
        self._logs: List[Any] = []

    # ----------------------------------------------------------------------- processes
    def _start(self, args: List[str], log: Path, env: Dict[str, str]) -> subprocess.Popen:
        handle = open(log, "ab")
        self._logs.append(handle)
        return subprocess.Popen(args, cwd=str(ROOT), env=env, stdout=handle, stderr=subprocess.STDOUT,
                                start_new_session=True)

    def _wait(self, url: str, process: subprocess.Popen, log: Path, timeout: float = 300) -> None:
        wait_http(url, [process], [log], timeout, interval=0.3)

    @staticmethod
    def _stop(process: Optional[subprocess.Popen]) -> None:
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)

    def load_demo_accounts(self) -> None:
        subprocess.run([str(VENV_BIN / "python"), "-m", "bot", "accounts", "import",
                        str(ROOT / "fixtures" / "demo_accounts.yml")],
                       cwd=str(ROOT), env=self.env, check=True, stdout=subprocess.DEVNULL, timeout=300)

    def start_actions(self, **env: str) -> None:
        self.actions = self._start(
            [str(VENV_BIN / "python"), "-m", "bot.auth.action_server", "--actions", "actions",
             "-p", str(self.actions_port), "-vv"], self.actions_log, {**self.env, **env})
        self._wait(f"http://127.0.0.1:{self.actions_port}/health", self.actions, self.actions_log)

    def stop_actions(self) -> None:
        self._stop(self.actions)
        self.actions = None

    def start_rasa(self) -> None:
        self.rasa = self._start(
            [str(VENV_BIN / "rasa"), "run", "--enable-api", "-i", "127.0.0.1", "-p", str(self.rasa_port),
             "-m", str(MODEL), "--credentials", str(self.tmp / "credentials.yml"),
             "--endpoints", str(self.tmp / "endpoints.yml"), "--debug"],
            self.rasa_log, self.env)
        self._wait(self.url + "/status", self.rasa, self.rasa_log)
        # The first messages load lazily initialised parts of the pipeline; the 1-second bound is
        # about a running server, so warm it up (NLU, a response, a custom action).
        for text in ("こんにちは", "オペレーターと話したい"):
            self.say("warmup-" + os.urandom(4).hex(), text, timeout=120)

    def stop_rasa(self) -> None:
        self._stop(self.rasa)
        self.rasa = None

    def stop(self) -> None:
        self.stop_rasa()
        self.stop_actions()
        for handle in self._logs:
            handle.close()

    # ----------------------------------------------------------------------- talking
    def say(self, sender: str, text: str, token: Optional[str] = None, timeout: float = 30) -> Tuple[int, Any, float]:
        body: Dict[str, Any] = {"sender": sender, "message": text}
        if token is not None:
            body["metadata"] = {"token": token}
        # ensure_ascii: lone surrogates travel as \udXXX escapes, as a browser would send them
        return post(self.webhook, json.dumps(body).encode("utf-8"), timeout)

    def texts(self, sender: str, text: str, token: Optional[str] = None) -> str:
        status, body, _ = self.say(sender, text, token)
        assert status == 200, body
        assert isinstance(body, list) and body, body
        return "\n".join(str(m.get("text", "")) for m in body)

    def tracker(self, sender: str) -> Dict[str, Any]:
        return get_json(f"{self.url}/conversations/{sender}/tracker")

    def token(self, account_id: str) -> str:
        result = subprocess.run([str(VENV_BIN / "python"), "-m", "bot", "token", account_id], cwd=str(ROOT),
                                env=self.env, check=True, stdout=subprocess.PIPE, text=True, timeout=120)
        return result.stdout.strip()


class HangingServer:
    """Accepts connections on a port and never answers (an action server that hangs)."""

    def __init__(self, port: int) -> None:
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(16)
        self.conns: List[socket.socket] = []
        self._stop = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        self.sock.settimeout(0.2)
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
                self.conns.append(conn)
            except OSError:
                continue

    def close(self) -> None:
        self._stop = True
        self.thread.join(timeout=2)
        for conn in self.conns:
            conn.close()
        self.sock.close()
