"""A Sanic app with the secure socket.io channel and a fake Rasa agent (no model needed).

The fake agent stores each turn in an in-memory tracker store (so history works) and answers
with a JSON echo of what reached Rasa: ``{"echo": text, "sender": sender_id, "metadata": ...}``.
Usage: python tests/integration/channels/echo_server.py PORT [DEMO_ACCOUNTS_FILE]
"""
from __future__ import annotations

import json
import logging
import os
import sys

from sanic import Sanic

from rasa.core.channels.channel import UserMessage, register
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, UserUttered

from bot.channels.secure_socketio import SecureSocketIOInput


class EchoAgent:
    def __init__(self) -> None:
        self.tracker_store = InMemoryTrackerStore(Domain.empty())

    async def handle_message(self, message: UserMessage) -> None:
        store = self.tracker_store
        tracker = await store.get_or_create_tracker(message.sender_id)
        tracker.update(UserUttered(message.text, metadata=message.metadata))
        reply = json.dumps(
            {"echo": message.text, "sender": message.sender_id, "metadata": message.metadata},
            ensure_ascii=False,
        )
        if message.text == "buttons":
            buttons = [{"title": "はい", "payload": "/affirm"}, {"title": "いいえ", "payload": "/deny"}]
            await message.output_channel.send_text_with_buttons(message.sender_id, reply, buttons)
            tracker.update(BotUttered(reply, data={"buttons": buttons}))
        else:
            await message.output_channel.send_text_message(message.sender_id, reply)
            tracker.update(BotUttered(reply))
        await store.save(tracker)


def main() -> None:
    port = int(sys.argv[1])
    credentials = {"user_message_evt": "user_uttered", "bot_message_evt": "bot_uttered",
                   "socketio_path": "/socket.io"}
    if len(sys.argv) > 2:
        credentials["demo_accounts"] = sys.argv[2]
    if os.environ.get("MADOGUCHI_TEST_SIO_MANAGER"):
        credentials["client_manager_url"] = os.environ["MADOGUCHI_TEST_SIO_MANAGER"]
    app = Sanic("madoguchi_echo")
    app.ctx.agent = EchoAgent()
    register([SecureSocketIOInput.from_credentials(credentials)], app, "/webhooks/")
    logging.basicConfig(level=logging.INFO)
    app.run(host="127.0.0.1", port=port, access_log=False, workers=1)


if __name__ == "__main__":
    main()
