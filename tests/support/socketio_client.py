"""What the socket.io test clients (chat channel, hardening and logout tests) share."""
from __future__ import annotations

import asyncio
from typing import Any, List


def aiohttp_compat() -> None:
    """python-engineio 4.15's AsyncClient websocket transport calls aiohttp.ClientWSTimeout,
    which aiohttp < 3.10 (3.9.5 is what Rasa 3.6 pins) lacks; there the same setting is a float
    passed as ``timeout=``. Test-process-only shim."""
    import aiohttp

    if not hasattr(aiohttp, "ClientWSTimeout"):
        def client_ws_timeout(ws_close: float = 10.0, ws_receive: Any = None) -> float:
            return ws_close

        aiohttp.ClientWSTimeout = client_ws_timeout


async def disconnect(sio: Any) -> None:
    """Disconnect a socketio.AsyncClient without waiting up to a ping interval for the pending long-poll."""
    if not sio.connected:
        return
    from socketio import packet

    for namespace in list(sio.namespaces):
        await sio._send_packet(sio.packet_class(packet.DISCONNECT, namespace=namespace))
    read_loop = sio.eio.read_loop_task
    await sio.eio.disconnect(abort=True)
    if read_loop is not None and not read_loop.done():
        read_loop.cancel()
        try:
            await read_loop
        except (asyncio.CancelledError, Exception):
            pass
    if sio.eio.http is not None and not sio.eio.http.closed:
        await sio.eio.http.close()


class ChatClient:
    """A socket.io chat client (polling transport): the bot's utterances and session confirmations are
    queued as they arrive."""

    def __init__(self) -> None:
        import socketio

        aiohttp_compat()
        self.sio = socketio.AsyncClient(reconnection=False)
        self.messages: asyncio.Queue = asyncio.Queue()
        self.sessions: asyncio.Queue = asyncio.Queue()
        self.sio.on("bot_uttered", self.messages.put)
        self.sio.on("session_confirm", self.sessions.put)

    async def connect(self, url: str, auth: Any = None) -> None:
        await self.sio.connect(url, socketio_path="/socket.io", transports=["polling"], auth=auth,
                               wait_timeout=10)

    async def session(self, payload: dict) -> str:
        await self.sio.emit("session_request", payload)
        return await asyncio.wait_for(self.sessions.get(), 10)

    async def answer_texts(self, text: str, timeout: float) -> List[str]:
        """The texts of the answer to `text` (everything that arrives until a short quiet period)."""
        await self.sio.emit("user_uttered", {"message": text})
        texts = [(await asyncio.wait_for(self.messages.get(), timeout)).get("text", "")]
        while True:
            try:
                texts.append((await asyncio.wait_for(self.messages.get(), 0.7)).get("text", ""))
            except asyncio.TimeoutError:
                return texts

    async def close(self) -> None:
        await disconnect(self.sio)
