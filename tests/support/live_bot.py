"""A real Rasa server (the trained model, credentials.yml's channels) and action server for the
hardening tests, on free ports, with every store in a temp dir: accounts (demo fixture), SQL
tracker store on SQLite, secret, logs. Either server can be stopped and started again."""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import yaml

from bot.devtools.localserver import (  # noqa: F401  (tail, wait_http: used by the tests)
    VENV_BIN, LocalServers, endpoints, free_port, server_env, tail, wait_http,
)

ROOT = Path(__file__).resolve().parents[2]
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
    """The hardening servers on bot.devtools.localserver.LocalServers: Rasa with --debug, the action server -vv."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.tracker_db = tmp / "tracker.db"
        self.rasa_log = tmp / "rasa.log"
        self.actions_log = tmp / "actions.log"
        self.secret = "hardening-" + os.urandom(16).hex()
        self.action_secret = "actions-" + os.urandom(16).hex()
        self.env = server_env({
            "MADOGUCHI_SECRET": self.secret,
            "MADOGUCHI_VAR_DIR": str(tmp / "var"),
            "MADOGUCHI_DB_URL": f"sqlite:///{tmp / 'accounts.db'}",
            "MADOGUCHI_ACTION_TIMEOUT": str(ACTION_TIMEOUT),
            "MADOGUCHI_ACTION_SECRET": self.action_secret,
        })
        self.api_token: Optional[str] = None  # Rasa's HTTP API token (ProductionStack sets one)
        self.ready_path = "/status"
        self.actions_port = free_port()
        tracker = {"type": "SQL", "dialect": "sqlite", "db": str(self.tracker_db)}
        (tmp / "endpoints.yml").write_text(yaml.safe_dump(endpoints(self.actions_port, tracker_store=tracker)))
        shutil.copy(ROOT / "credentials.yml", tmp / "credentials.yml")
        self.servers = LocalServers(tmp, self.env, tmp / "endpoints.yml", credentials=tmp / "credentials.yml",
                                    action_port=self.actions_port, rasa_args=["--debug"], action_args=["-vv"])
        self.rasa_port = self.servers.rasa_port
        self.url = f"http://127.0.0.1:{self.rasa_port}"
        self.webhook = self.url + "/webhooks/rest/webhook"

    @property
    def rasa(self) -> Optional[subprocess.Popen]:
        return self.servers.rasa

    @property
    def actions(self) -> Optional[subprocess.Popen]:
        return self.servers.actions

    # ----------------------------------------------------------------------- processes
    def load_demo_accounts(self) -> None:
        subprocess.run([str(VENV_BIN / "python"), "-m", "bot", "accounts", "import",
                        str(ROOT / "fixtures" / "demo_accounts.yml")],
                       cwd=str(ROOT), env=self.env, check=True, stdout=subprocess.DEVNULL, timeout=300)

    def start_actions(self, **env: str) -> None:
        self.servers.start_actions(300, **env)

    def stop_actions(self) -> None:
        self.servers.stop_actions()

    def start_rasa(self) -> None:
        # MODEL is read now: tests/staff swaps in a private copy of the model
        self.servers.model, self.servers.api_token, self.servers.ready_path = MODEL, self.api_token, self.ready_path
        self.servers.spawn_rasa()
        self.servers.wait_rasa(300)
        # The first messages load lazily initialised parts of the pipeline; the 1-second bound is
        # about a running server, so warm it up (NLU, a response, a custom action).
        for text in ("こんにちは", "オペレーターと話したい"):
            self.say("warmup-" + os.urandom(4).hex(), text, timeout=120)

    def stop_rasa(self) -> None:
        self.servers.stop_rasa()

    def stop(self) -> None:
        self.servers.stop()

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
