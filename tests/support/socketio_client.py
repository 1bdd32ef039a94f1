"""What the socket.io test clients (chat channel, hardening and logout tests) share."""
from __future__ import annotations

import asyncio
from typing import Any


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
