"""The same input rules in the socket.io channel (bot.channels.secure_socketio calls bot.channels.guard),
against the real Rasa server: empty and over-long text, slash syntax, control characters, the login
token replaced by a claim, and an apology when the action server is down."""
from __future__ import annotations

from typing import Any, List

import pytest

from tests.support.socketio_client import ChatClient

pytestmark = pytest.mark.slow


class Client(ChatClient):
    async def start(self, url: str, auth: Any = None) -> str:
        await self.connect(url, auth)
        key = await self.session({"session_id": None})
        return key.split(".")[0]

    async def ask(self, text: str, timeout: float = 15) -> List[str]:
        return await self.answer_texts(text, timeout)


async def test_socketio_applies_the_guard(live):
    token = live.token("A1001")
    client = Client()
    try:
        sender = await client.start(live.url, auth={"token": token})
        assert any("ご質問を入力してください" in t for t in await client.ask(" \u202e\x00 "))
        # (socket.io itself refuses packets over 64 KB: max_http_buffer_size of the channel)
        assert any("長すぎる" in t for t in await client.ask("あ" * 5_000))
        await client.ask("/account_contract_summary")
        await client.ask("\u202eリモート\x00サポートの月額料金は？")
        reply = "\n".join(await client.ask("契約内容を教えて"))
        assert "山田" in reply                                   # the connection's token worked
    finally:
        await client.close()
    users = [e for e in live.tracker(sender)["events"] if e["event"] == "user"]
    texts = [e["text"] for e in users]
    assert texts[:2] == ["／account_contract_summary", "リモートサポートの月額料金は？"]
    claims = {e["metadata"].get("token") for e in users}
    assert all(c.startswith("claim1:A1001:") for c in claims) and token not in str(users)


async def test_socketio_apologises_when_the_action_server_is_down(live):
    client = Client()
    live.stop_actions()
    try:
        await client.start(live.url)
        reply = "\n".join(await client.ask("オペレーターと話したい"))
        assert "申し訳ございません" in reply and "0957-22-1193" in reply
    finally:
        await client.close()
        live.start_actions()
