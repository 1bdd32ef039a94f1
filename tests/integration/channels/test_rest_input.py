"""Bad input on POST /webhooks/rest/webhook of a real Rasa server (bot.channels.rest)."""
from __future__ import annotations

import json
import uuid

import pytest

from tests.support.live_bot import post

pytestmark = pytest.mark.slow


def _sender(prefix: str = "hard") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def _user_events(stack, sender):
    return [e for e in stack.tracker(sender)["events"] if e["event"] == "user"]


@pytest.mark.parametrize("body, code", [
    (b"not json", "invalid_json"),
    (b"\xff\xfe\x00", "invalid_encoding"),
    (b"", "invalid_json"),
    (b"[1, 2]", "invalid_body"),
    (b'"text"', "invalid_body"),
    (b"[" * 5000 + b"]" * 5000, "invalid_json"),
    (b'{"message": "hi"}', "missing_sender"),
    (b'{"sender": 12, "message": "hi"}', "invalid_sender"),
    (b'{"sender": "", "message": "hi"}', "invalid_sender"),
    (json.dumps({"sender": "x" * 129, "message": "hi"}).encode(), "invalid_sender"),
    (b'{"sender": "a\\u0000b", "message": "hi"}', "invalid_sender"),
    (b'{"sender": "web-abc", "message": "hi"}', "invalid_sender"),
    (b'{"sender": "s"}', "invalid_message"),
    (b'{"sender": "s", "message": {"text": "hi"}}', "invalid_message"),
    (b'{"sender": "s", "message": ["hi"]}', "invalid_message"),
    (b'{"sender": "s", "message": "hi", "metadata": "token"}', "invalid_metadata"),
    (b'{"sender": "s", "message": "hi", "metadata": [1]}', "invalid_metadata"),
])
def test_malformed_requests_get_a_clear_4xx_json_error(live, body, code):
    status, answer, elapsed = post(live.webhook, body)
    assert 400 <= status < 500, (status, answer)
    assert isinstance(answer, dict) and answer["error"] == code and answer["message"]
    assert "Traceback" not in json.dumps(answer)
    assert elapsed < 1.0


def _reply(live, text, sender=None):
    status, answer, elapsed = live.say(sender or _sender(), text)
    assert status == 200, answer
    assert isinstance(answer, list) and answer and all(m.get("text") or m.get("buttons") for m in answer)
    assert elapsed < 1.0, (text[:50], elapsed)
    return "\n".join(m.get("text", "") for m in answer)


@pytest.mark.parametrize("text", ["", "   ", "\u3000\n", "\u202e\u200f\x00"])
def test_empty_text_gets_a_polite_reply(live, text):
    assert "ご質問を入力してください" in _reply(live, text)


def test_huge_message_is_not_processed(live):
    sender = _sender()
    reply = _reply(live, "解約したい" * 4000, sender)  # 20,000 characters
    assert "長すぎる" in reply and "1000文字" in reply
    assert _user_events(live, sender) == []  # never reached NLU nor the tracker


@pytest.mark.parametrize("text", [
    "😀😀😀",
    "🙇‍♂️",
    "\u202eリモートサポートの月額料金は？\u202c",
    "リモート\x00サポートの\x1b月額料金は？",
    "\ud83dリモートサポートの月額料金は？\udfff",
    '{"sender": "other", "message": "hi", "metadata": {"token": "x"}}',
    "'; DROP TABLE events; --",
    "{{7*7}} ${7*7} <%= 7*7 %> {% raw %}",
    "<script>alert('x')</script>",
    "ﾘﾓｰﾄｻﾎﾟｰﾄ",
])
def test_odd_text_gets_a_normal_answer(live, text):
    _reply(live, text)


def test_bidi_and_control_characters_are_stripped_before_nlu(live):
    sender = _sender()
    reply = _reply(live, "\u202eリモート\x00サポートの月額料金は？\u202c", sender)
    assert "550円" in reply
    assert _user_events(live, sender)[-1]["text"] == "リモートサポートの月額料金は？"


def test_injection_is_answered_as_text_and_stored_as_text(live):
    sender = _sender()
    _reply(live, "'; DROP TABLE events; --", sender)
    assert _user_events(live, sender)[-1]["text"] == "'; DROP TABLE events; --"
    assert "550円" in _reply(live, "リモートサポートの月額料金は？", sender)   # the store still works


# ---------------------------------------------------------------------------- slash syntax
def test_typed_intent_syntax_is_plain_text(live):
    sender = _sender()
    _reply(live, "/account_contract_summary", sender)
    event = _user_events(live, sender)[-1]
    assert event["text"] == "／account_contract_summary"
    tracker = live.tracker(sender)
    assert tracker["slots"]["identity_proof"] is None


def test_typed_verification_entities_prove_nothing(live):
    sender = _sender()
    reply = _reply(live, '/inform_verification{"verify_contract_no":"RS-0002","verify_phone_last4":"1002"}', sender)
    slots = live.tracker(sender)["slots"]
    assert slots["identity_proof"] is None and slots["verify_contract_no"] is None
    reply += _reply(live, "契約内容を教えて", sender)
    assert "佐藤" not in reply and "RS-0002" not in reply
    assert "ご本人確認" in reply


def test_typed_proof_slot_is_ignored(live):
    sender = _sender()
    _reply(live, '/choose_service{"service":"rental","identity_proof":"v1:A1002:1:' + "0" * 64 + '"}', sender)
    assert live.tracker(sender)["slots"]["identity_proof"] is None
    assert "佐藤" not in _reply(live, "契約内容を教えて", sender)


def test_another_customers_contract_button_does_not_reach_their_data(live):
    sender = _sender()
    token = live.token("A1001")
    status, answer, _ = live.say(sender, "契約内容を教えて", token)
    assert status == 200 and "山田" in answer[0]["text"]
    status, answer, _ = live.say(sender, '/choose_contract{"contract_no":"RS-0002"}', token)
    text = json.dumps(answer, ensure_ascii=False)
    assert status == 200 and "佐藤" not in text


def test_the_bots_buttons_keep_working(live):
    sender = _sender()
    reply = _reply(live, '/choose_service{"service":"rental"}', sender)
    assert _user_events(live, sender)[-1]["parse_data"]["intent"]["name"] == "choose_service"
    reply = _reply(live, "/request_verification", _sender())
    assert "ご契約番号" in reply
    reply = _reply(live, '/choose_faq{"faq_topic":"rs_center_phone"}', _sender())
    assert "リモートサポート" in reply


# ---------------------------------------------------------------------------- repeats
def test_repeated_message_returns_the_previous_answer_without_processing(live):
    sender = _sender()
    first = live.say(sender, "リモートサポートの月額料金は？")
    second = live.say(sender, "リモートサポートの月額料金は？")
    assert first[0] == second[0] == 200 and first[1] == second[1]
    assert len(_user_events(live, sender)) == 1
    assert second[2] < 1.0
    live.say(sender, "ありがとう")
    assert len(_user_events(live, sender)) == 2


@pytest.mark.parametrize("header", [{"X-Real-IP": "203.0.113.9"}, {"X-Forwarded-For": "203.0.113.9"},
                                    {"Forwarded": "for=203.0.113.9"}])
def test_development_answers_loopback_callers_only(live, header):
    """Development mode: a caller from outside (seen through a proxy's headers) is refused; the
    server itself listens on loopback in this test, so the headers stand in for the outside."""
    import urllib.error
    import urllib.request

    body = json.dumps({"sender": _sender(), "message": "こんにちは"}).encode()
    request = urllib.request.Request(live.webhook, data=body, method="POST",
                                     headers={"Content-Type": "application/json", **header})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 403
    assert json.loads(refused.value.read())["error"] == "forbidden"
