"""Helpers for the web tests: free ports, starting servers, a socket.io test client."""
from __future__ import annotations

import asyncio
import collections
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Dict, List, Optional

PROJECT_ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, process: subprocess.Popen, timeout: float, log: Path) -> None:
    """Wait until url answers 200, failing early (with the log) if the process dies."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n{tail(log)}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f}s:\n{tail(log)}")


def tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def start_process(args: List[str], log: Path, env: Dict[str, str], cwd: Path) -> subprocess.Popen:
    full_env = {**os.environ, **env}
    pythonpath = [str(PROJECT_ROOT)] + ([full_env["PYTHONPATH"]] if full_env.get("PYTHONPATH") else [])
    full_env["PYTHONPATH"] = os.pathsep.join(pythonpath)
    full_env.setdefault("RASA_TELEMETRY_ENABLED", "false")
    handle = open(log, "wb")
    return subprocess.Popen(
        args, cwd=str(cwd), env=full_env, stdout=handle, stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop_process(process: Optional[subprocess.Popen]) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


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


def _aiohttp_compat() -> None:
    """python-engineio 4.15's AsyncClient websocket transport calls aiohttp.ClientWSTimeout,
    which aiohttp < 3.10 (3.9.5 is what Rasa 3.6 pins) lacks; there the same setting is a float
    passed as ``timeout=``. Test-process-only shim."""
    import aiohttp

    if not hasattr(aiohttp, "ClientWSTimeout"):
        def client_ws_timeout(ws_close: float = 10.0, ws_receive: Any = None) -> float:
            return ws_close

        aiohttp.ClientWSTimeout = client_ws_timeout


class ChatClient:
    """A python-socketio AsyncClient that records every event it receives."""

    EVENTS = ("session_confirm", "session_history", "bot_uttered", "bot_typing", "session_error")

    def __init__(self) -> None:
        import socketio

        _aiohttp_compat()
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
        """Disconnect without waiting up to a ping interval for the pending long-poll."""
        if not self.sio.connected:
            return
        from socketio import packet

        for namespace in list(self.sio.namespaces):
            await self.sio._send_packet(self.sio.packet_class(packet.DISCONNECT, namespace=namespace))
        read_loop = self.sio.eio.read_loop_task
        await self.sio.eio.disconnect(abort=True)
        if read_loop is not None and not read_loop.done():
            read_loop.cancel()
            try:
                await read_loop
            except (asyncio.CancelledError, Exception):
                pass
        if self.sio.eio.http is not None and not self.sio.eio.http.closed:
            await self.sio.eio.http.close()
