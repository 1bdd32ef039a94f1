"""Helpers for the web tests: free ports, starting servers, a socket.io test client."""
from __future__ import annotations

import asyncio
import collections
import http.server as http_server
import json
import threading
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Dict, List, Optional

from bot.devtools import localserver
from tests.support.socketio_client import aiohttp_compat, disconnect
from bot.devtools.localserver import free_port, stop_process, tail  # noqa: F401  (used by the tests)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent


def wait_http(url: str, process: subprocess.Popen, timeout: float, log: Path) -> None:
    """Wait until url answers 200, failing early (with the log) if the process dies."""
    localserver.wait_http(url, [process], [log], timeout)


def start_process(args: List[str], log: Path, env: Dict[str, str], cwd: Path) -> subprocess.Popen:
    """A helper server of a test (echo server, Redis) in its own session; it dies with the test process."""
    full_env = localserver.server_env(env)
    handle = open(log, "wb")
    return subprocess.Popen(
        args, cwd=str(cwd), env=full_env, stdout=handle, stderr=subprocess.STDOUT,
        start_new_session=True, preexec_fn=localserver.die_with_parent,
    )


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def http(method: str, url: str, body: Optional[bytes] = None,
         headers: Optional[Dict[str, str]] = None) -> tuple:
    """(status, headers, body bytes); no exception on 3xx/4xx/5xx, redirects not followed."""
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with _OPENER.open(request, timeout=10) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()




class ChatClient:
    """A python-socketio AsyncClient that records every event it receives."""

    EVENTS = ("session_confirm", "session_history", "bot_uttered", "bot_typing", "session_error")

    def __init__(self) -> None:
        import socketio

        aiohttp_compat()
        self.sio = socketio.AsyncClient(reconnection=False)
        self.queues: Dict[str, asyncio.Queue] = collections.defaultdict(asyncio.Queue)
        self.seen: Dict[str, List[Any]] = collections.defaultdict(list)
        for event in self.EVENTS:
            self.sio.on(event, self._recorder(event))

    def _recorder(self, event: str):
        async def record(data: Any = None) -> None:
            self.seen[event].append(data)
            await self.queues[event].put(data)
        return record

    async def connect(self, base_url: str, auth: Optional[Dict[str, Any]] = None) -> "ChatClient":
        await self.sio.connect(base_url, socketio_path="/socket.io", transports=["polling"],
                               auth=auth, wait_timeout=10)
        return self

    async def expect(self, event: str, timeout: float = 10.0) -> Any:
        return await asyncio.wait_for(self.queues[event].get(), timeout)

    async def session(self, session_id: Any = None, payload: Any = "default") -> str:
        data = {"session_id": session_id} if payload == "default" else payload
        await self.sio.emit("session_request", data)
        return await self.expect("session_confirm")

    async def say(self, text: str, **extra: Any) -> None:
        await self.sio.emit("user_uttered", {"message": text, **extra})

    async def close(self) -> None:
        await disconnect(self.sio)


# --------------------------------------------------------------------------- the Rasa stack
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
CHANNEL_CREDENTIALS = {
    "bot.channels.secure_socketio.SecureSocketIOInput": {
        "user_message_evt": "user_uttered",
        "bot_message_evt": "bot_uttered",
        "socketio_path": "/socket.io",
    },
    "rest": None,
}


def find_model() -> Optional[Path]:
    """MADOGUCHI_E2E_MODEL, else the newest models/*.tar.gz of the project."""
    override = os.environ.get("MADOGUCHI_E2E_MODEL")
    if override:
        return Path(override) if Path(override).is_file() else None
    models = sorted((PROJECT_ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return models[-1] if models else None


def snapshot_model(model: Path, dest_dir: Path, timeout: float = 600) -> Path:
    """A complete private copy of the model (someone may be re-training it right now)."""
    import shutil
    import tarfile

    dest = dest_dir / model.name
    deadline = time.monotonic() + timeout
    while True:
        shutil.copyfile(model, dest)
        try:
            with tarfile.open(dest, "r:gz") as archive:
                archive.getmembers()  # reads to the end: fails on a half-written archive
            return dest
        except (tarfile.TarError, EOFError, OSError, zlib_error()) as exc:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{model} stays unreadable: {exc}") from exc
            time.sleep(10)


def zlib_error() -> type:
    import zlib

    return zlib.error


class RasaStack:
    """Action server + Rasa server (with the chat channel) on free ports, isolated state in `tmp`.

    MADOGUCHI_E2E_ACTIONS_DIR: directory containing the `actions` package (default: the project).
    """

    def __init__(self, tmp: Path, model: Path) -> None:
        import yaml

        self.tmp = tmp
        self.model = snapshot_model(model, tmp)
        self.rasa_port = free_port()
        self.actions_port = free_port()
        self.url = f"http://127.0.0.1:{self.rasa_port}"
        self.chat_url = self.url + "/chat/"
        self.servers: Optional[localserver.LocalServers] = None
        self.action_secret = "e2e-actions-" + os.urandom(16).hex()
        self.env = {
            "MADOGUCHI_SECRET": "e2e-" + os.urandom(16).hex(),
            "MADOGUCHI_ACTION_SECRET": self.action_secret,
            "MADOGUCHI_VAR_DIR": str(tmp / "var"),
            "MADOGUCHI_DB_URL": f"sqlite:///{tmp / 'accounts.db'}",
            "MADOGUCHI_ENV": "development",
            "RASA_TELEMETRY_ENABLED": "false",
        }
        endpoints_file = PROJECT_ROOT / "endpoints.yml"
        endpoints = (yaml.safe_load(endpoints_file.read_text()) if endpoints_file.exists() else None) or {}
        endpoints = localserver.endpoints(self.actions_port, endpoints)
        store = endpoints.get("tracker_store")
        if isinstance(store, dict) and store.get("dialect") == "sqlite":
            store["db"] = str(tmp / "tracker.db")
        (tmp / "endpoints.yml").write_text(yaml.safe_dump(endpoints, allow_unicode=True))
        # A "company site" on another origin (tests/e2e/web: HostSite) may frame the page.
        self.company_port = free_port()
        self.company_origin = f"http://localhost:{self.company_port}"
        credentials = json.loads(json.dumps(CHANNEL_CREDENTIALS))
        credentials["bot.channels.secure_socketio.SecureSocketIOInput"]["embed_origins"] = [
            self.company_origin]
        (tmp / "credentials.yml").write_text(yaml.safe_dump(credentials))
        self.demo_accounts_loaded = False

    def start(self, timeout: float = 420) -> "RasaStack":
        python = str(VENV_BIN / "python")
        # Demo accounts into the test's own database (`python -m bot accounts import`, interfaces.md).
        fixture = PROJECT_ROOT / "fixtures" / "demo_accounts.yml"
        if fixture.exists():
            result = subprocess.run(
                [python, "-m", "bot", "accounts", "import", str(fixture)], cwd=str(PROJECT_ROOT),
                env={**os.environ, **self.env, "PYTHONPATH": str(PROJECT_ROOT)},
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300,
            )
            self.demo_accounts_loaded = result.returncode == 0
            (self.tmp / "accounts-import.log").write_bytes(result.stdout)
        self.servers = localserver.LocalServers(
            self.tmp, localserver.server_env(self.env), self.tmp / "endpoints.yml", model=self.model,
            credentials=self.tmp / "credentials.yml", rasa_port=self.rasa_port, action_port=self.actions_port,
            ready_path="/status", actions_cwd=Path(os.environ.get("MADOGUCHI_E2E_ACTIONS_DIR", PROJECT_ROOT)))
        self.servers.start(timeout)
        try:
            wait_http(self.chat_url, self.servers.rasa, 30, self.tmp / "rasa.log")
        except Exception:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if self.servers is not None:
            self.servers.stop()


def launch_chromium(playwright: Any) -> Any:
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)


class HostSite:
    """A stand-in for a company's web site: serves one page that frames the chat page."""

    def __init__(self, port: int, chat_url: str) -> None:
        page = (f'<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>会社のサイト</title>'
                f'</head><body><iframe id="chat" src="{chat_url}" title="チャット" '
                f'style="width:400px;height:640px;border:0"></iframe></body></html>').encode("utf-8")

        class Handler(http_server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http_server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://localhost:{port}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "HostSite":
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()
