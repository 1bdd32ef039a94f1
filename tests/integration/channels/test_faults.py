"""Faults: the action server down, hanging or back again; the accounts database unreachable; the Rasa
server restarted in the middle of a conversation (SQL tracker store on SQLite in a temp dir)."""
from __future__ import annotations

import time
import uuid

import pytest

from tests.support.live_bot import ACTION_TIMEOUT, HangingServer

pytestmark = pytest.mark.slow

RS_CONTACT = "0957-22-1193"          # remote support's contact (bot/support/contacts.yml)
FAQ = "リモートサポートの月額料金は？"          # a topic with a per-customer rule (routed to the account answers)
PLAIN_FAQ = "リモートサポートのサポートセンターの受付時間は？"   # a topic answered from the FAQ alone
HANDOFF = "オペレーターと話したい"     # action_human_handoff (a custom action)
RS_ACCOUNT_QUESTION = "今月解約したら今月分の料金は？"   # action_account_rs_cancel_this_month


def _sender() -> str:
    return f"fault-{uuid.uuid4().hex[:12]}"


def _intent(stack, sender) -> str:
    users = [e for e in stack.tracker(sender)["events"] if e["event"] == "user"]
    return users[-1]["parse_data"]["intent"]["name"]


def test_action_server_stopped_and_restarted_during_a_conversation(live):
    sender = _sender()
    assert "窓口" in live.texts(sender, HANDOFF)            # works while the action server is up

    live.stop_actions()
    try:
        started = time.monotonic()
        reply = live.texts(sender, "担当者につないでください")
        assert time.monotonic() - started < 2
        assert "申し訳ございません" in reply and RS_CONTACT in reply and "電話代行" in reply
        # FAQ answers need no action server
        assert "550円" in live.texts(sender, FAQ)
        # an account question: the apology names that service's contact
        reply = live.texts(sender, RS_ACCOUNT_QUESTION)
        assert _intent(live, sender) == "account_rs_cancel_this_month"
        assert "申し訳ございません" in reply and RS_CONTACT in reply and "電話代行" not in reply
    finally:
        live.start_actions()

    # back by itself: no restart of the Rasa server
    reply = live.texts(sender, "人と話したい")
    assert "窓口をご案内します" in reply and "不具合" not in reply
    assert "550円" in live.texts(sender, "リモートサポートの月額はいくら？")


def test_hanging_action_server_gets_an_apology_and_the_server_keeps_serving(live):
    port = live.actions_port
    live.stop_actions()
    hanging = HangingServer(port)
    try:
        sender = _sender()
        status, answer, elapsed = live.say(sender, HANDOFF, timeout=60)
        text = "\n".join(m.get("text", "") for m in answer)
        assert status == 200 and "申し訳ございません" in text and RS_CONTACT in text
        assert elapsed < ACTION_TIMEOUT + 3, elapsed      # MADOGUCHI_ACTION_TIMEOUT, not Rasa's 300 s
        # other conversations are served meanwhile: a plain FAQ at once ...
        status, answer, elapsed = live.say(_sender(), PLAIN_FAQ)
        assert status == 200 and "午前9時" in answer[0]["text"] and elapsed < 1.0
        # ... a topic routed to the account answers gets its FAQ answer once the action times out
        status, answer, elapsed = live.say(_sender(), FAQ, timeout=60)
        assert status == 200 and "550円" in answer[0]["text"] and elapsed < ACTION_TIMEOUT + 3
    finally:
        hanging.close()
        live.start_actions()
    assert "窓口をご案内します" in live.texts(_sender(), HANDOFF)


def test_accounts_database_unreachable(live):
    token = live.token("A1001")
    live.stop_actions()
    try:
        # nothing listens on port 9: connection refused at once
        live.start_actions(MADOGUCHI_DB_URL="postgresql+psycopg://madoguchi:x@127.0.0.1:9/accounts")
        sender = _sender()
        reply = live.texts(sender, "契約内容を教えて", token)
        assert "申し訳ございません" in reply and "ご契約情報を確認できません" in reply
        assert RS_CONTACT in reply
        reply = live.texts(sender, RS_ACCOUNT_QUESTION, token)
        assert "ご契約情報を確認できません" in reply and RS_CONTACT in reply
        # in-chat verification also apologises instead of failing silently
        other = _sender()
        live.texts(other, "/request_verification")
        live.texts(other, "RS-0001")
        reply = live.texts(other, "1001")
        assert "申し訳ございません" in reply
        # general answers still work
        assert "550円" in live.texts(sender, FAQ)
    finally:
        live.stop_actions()
        live.start_actions()
    assert "山田" in live.texts(_sender(), "契約内容を教えて", token)


def test_rasa_server_restart_keeps_the_conversation(live):
    sender = _sender()
    live.texts(sender, "こんにちは")
    assert "ご契約番号" in live.texts(sender, "/request_verification")
    live.texts(sender, "RS-0001")
    reply = live.texts(sender, "1001")
    assert "確認" in reply
    before = live.tracker(sender)
    assert before["slots"]["identity_proof"]
    turns_before = [e["text"] for e in before["events"] if e["event"] == "user"]

    live.stop_rasa()
    live.start_rasa()

    after = live.tracker(sender)
    turns_after = [e["text"] for e in after["events"] if e["event"] == "user"]
    assert turns_after[:len(turns_before)] == turns_before
    assert after["slots"]["identity_proof"] == before["slots"]["identity_proof"]
    reply = live.texts(sender, "契約内容を教えて")     # still verified: the conversation continues
    assert "山田" in reply and "RS-0001" in reply
