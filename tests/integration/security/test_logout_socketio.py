"""Attack (shared computer, in-chat verification): the previous customer verified in the chat and
pressed ログアウト. The conversation's identity proof is removed on the server, so even someone who
kept that conversation's session key gets no account data when resuming it."""
from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.support.socketio_client import ChatClient

pytestmark = pytest.mark.slow

CONTRACT, DIGITS = "RS-0002", "1002"       # A1002 (fixtures/demo_accounts.yml), phone 080-0000-1002


class Client(ChatClient):
    async def start(self, url: str, session_key: Any = None) -> str:
        await self.connect(url)
        return await self.session({"session_id": session_key})

    async def ask(self, text: str, timeout: float = 20) -> str:
        return "\n".join(await self.answer_texts(text, timeout))


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
