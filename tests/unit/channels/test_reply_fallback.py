"""The socket.io channel answers with an apology when Rasa sends nothing (or too late); it knows
what Rasa sent from its own output channel (SecureSocketIOOutput.sent), without wrapping its methods."""
import asyncio

from rasa.core.channels.channel import UserMessage

from bot.channels import guard
from bot.channels.secure_socketio import SecureSocketIOOutput


class FakeSio:
    def __init__(self):
        self.emitted = []

    async def emit(self, event, data, room=None, **kwargs):
        self.emitted.append((event, data, room))


def _run(on_new_message, monkeypatch, reply_timeout=2.0):
    monkeypatch.setattr(guard, "REPLY_TIMEOUT", reply_timeout)
    sio = FakeSio()
    output = SecureSocketIOOutput(sio, "bot_uttered")
    message = UserMessage("こんにちは", output, "web-1", input_channel="madoguchi")
    asyncio.run(guard.handle_with_fallback(on_new_message, message, agent=None))
    return [data.get("text") for _, data, room in sio.emitted if room == "web-1"]


def test_what_rasa_sends_is_not_followed_by_an_apology(monkeypatch):
    async def rasa(message):
        await message.output_channel.send_response(message.sender_id, {"text": "はい、お答えします。"})
        await message.output_channel.send_response(message.sender_id, {"text": "ほかにご質問は？"})

    assert _run(rasa, monkeypatch) == ["はい、お答えします。", "ほかにご質問は？"]


def test_any_send_method_counts(monkeypatch):
    async def rasa(message):
        await message.output_channel.send_text_with_buttons(message.sender_id, "どちらですか", [
            {"title": "はい", "payload": "/affirm"}])

    assert _run(rasa, monkeypatch) == ["どちらですか"]


def test_no_reply_gets_the_apology(monkeypatch):
    async def rasa(message):
        return None

    assert _run(rasa, monkeypatch) == [guard.no_reply_apology(None)]


def test_a_failure_gets_the_apology(monkeypatch):
    async def rasa(message):
        raise RuntimeError("action server down")

    assert _run(rasa, monkeypatch) == [guard.no_reply_apology(None)]


def test_a_slow_reply_gets_the_slow_apology_first(monkeypatch):
    async def rasa(message):
        await asyncio.sleep(0.5)
        await message.output_channel.send_response(message.sender_id, {"text": "遅れた答え"})

    assert _run(rasa, monkeypatch, reply_timeout=0.05) == [guard.no_reply_apology(None, slow=True)]
