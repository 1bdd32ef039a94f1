"""What the channels send when Rasa sends nothing (bot.channels.no_reply): the socket.io channel
answers with an apology when Rasa sends nothing (or too late), knowing what Rasa sent from its own
output channel (SecureSocketIOOutput.sent), without wrapping its methods; the apology names the
contacts of the service the message was about."""
import asyncio

from rasa.core.channels.channel import UserMessage

from bot.channels import no_reply
from bot.channels.secure_socketio import SecureSocketIOOutput


class FakeSio:
    def __init__(self):
        self.emitted = []

    async def emit(self, event, data, room=None, **kwargs):
        self.emitted.append((event, data, room))


def _run(on_new_message, monkeypatch, reply_timeout=2.0):
    monkeypatch.setattr(no_reply, "REPLY_TIMEOUT", reply_timeout)
    sio = FakeSio()
    output = SecureSocketIOOutput(sio, "bot_uttered")
    message = UserMessage("こんにちは", output, "web-1", input_channel="madoguchi")
    asyncio.run(no_reply.handle_with_fallback(on_new_message, message, agent=None))
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

    assert _run(rasa, monkeypatch) == [no_reply.no_reply_apology(None)]


def test_a_failure_gets_the_apology(monkeypatch):
    async def rasa(message):
        raise RuntimeError("action server down")

    assert _run(rasa, monkeypatch) == [no_reply.no_reply_apology(None)]


def test_a_slow_reply_gets_the_slow_apology_first(monkeypatch):
    async def rasa(message):
        await asyncio.sleep(0.5)
        await message.output_channel.send_response(message.sender_id, {"text": "遅れた答え"})

    assert _run(rasa, monkeypatch, reply_timeout=0.05) == [no_reply.no_reply_apology(None, slow=True)]


def test_apology_names_the_contacts():
    text = no_reply.no_reply_apology("remote_support")
    assert "申し訳ございません" in text and "0957-22-1193" in text
    everything = no_reply.no_reply_apology(None)
    assert "リモートサポート" in everything and "電話代行" in everything


class _Tracker:
    def __init__(self, parse_data, slot=None):
        self.latest_message = type("Message", (), {"parse_data": parse_data})()
        self._slot = slot

    def get_slot(self, name):
        return self._slot if name == "service" else None


def test_the_no_reply_apology_names_the_service_of_the_message_or_the_slot():
    # which contact the apology lists (bot.engine.services keys only; anything else: every contact)
    entity = {"entities": [{"entity": "service", "value": "rental"}], "intent": {"name": "faq"}}
    assert no_reply._service_of(_Tracker(entity)) == "rental"
    assert no_reply._service_of(_Tracker({"intent": {"name": "account_cw_renewal_fee"}})) == "license_maintenance"
    assert no_reply._service_of(_Tracker({"intent": {"name": "greet"}}, slot="haas")) == "haas"
    assert no_reply._service_of(_Tracker({"entities": [{"entity": "service", "value": "nonsense"}]}, slot="x")) is None
