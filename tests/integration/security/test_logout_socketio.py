"""Attack (shared computer, in-chat verification): the previous customer verified in the chat and
pressed ログアウト. The conversation's identity proof is removed on the server, so even someone who
kept that conversation's session key gets no account data when resuming it."""
from __future__ import annotations

import asyncio
from typing import Any, List

import pytest

from tests.support.socketio_client import aiohttp_compat, disconnect

pytestmark = pytest.mark.slow

CONTRACT, DIGITS = "RS-0002", "1002"       # A1002 (fixtures/demo_accounts.yml), phone 080-0000-1002


class Client:
    def __init__(self) -> None:
        import socketio

        aiohttp_compat()
        self.sio = socketio.AsyncClient(reconnection=False)
        self.messages: asyncio.Queue = asyncio.Queue()
        self.sessions: asyncio.Queue = asyncio.Queue()
        self.sio.on("bot_uttered", self.messages.put)
        self.sio.on("session_confirm", self.sessions.put)

    async def start(self, url: str, session_key: Any = None) -> str:
        await self.sio.connect(url, socketio_path="/socket.io", transports=["polling"], wait_timeout=10)
        return await self.session({"session_id": session_key})

    async def session(self, payload: dict) -> str:
        await self.sio.emit("session_request", payload)
        return await asyncio.wait_for(self.sessions.get(), 10)

    async def ask(self, text: str, timeout: float = 20) -> str:
        await self.sio.emit("user_uttered", {"message": text})
        texts: List[str] = [(await asyncio.wait_for(self.messages.get(), timeout)).get("text", "")]
        while True:
            try:
                texts.append((await asyncio.wait_for(self.messages.get(), 0.7)).get("text", ""))
            except asyncio.TimeoutError:
                return "\n".join(texts)

    async def close(self) -> None:
        await disconnect(self.sio)


async def test_logout_removes_the_identity_proof_of_the_conversation(bot):
    client = Client()
    try:
        key = await client.start(bot.url)
        sender = key.split(".")[0]
        await client.ask("/request_verification")
        await client.ask(CONTRACT)
        assert "本人確認ができました" in await client.ask(DIGITS)
        assert bot.tracker(sender)["slots"]["identity_proof"]
        await client.sio.emit("logout", {})
        await client.session({"new": True})
    finally:
        await client.close()
    await asyncio.sleep(0.5)
    assert not bot.tracker(sender)["slots"].get("identity_proof")

    # someone who kept the old session key resumes the conversation: not verified any more
    thief = Client()
    try:
        assert (await thief.start(bot.url, key)).split(".")[0] == sender
        reply = await thief.ask("私の契約内容を教えてください")
        assert CONTRACT not in reply and "佐藤" not in reply, reply
    finally:
        await thief.close()
