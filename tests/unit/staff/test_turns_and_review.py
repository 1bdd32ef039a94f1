"""The reading of tracker events behind the diagnostic line, the metrics and the review (no servers).

The events are written here by hand in the shape Rasa 3.6 stores them (see a tracker from
`GET /conversations/<id>/tracker`); expected values follow from the events, not from the code.
"""
from __future__ import annotations

import yaml

from bot.staff import review, turns


def user(text, intent, confidence, ts, faq=None, ranking=None, metadata=None):
    parse = {"intent": {"name": intent, "confidence": confidence},
             "intent_ranking": ranking or [{"name": intent, "confidence": confidence}], "entities": []}
    if faq:
        parse["response_selector"] = {"faq": {"response": {"intent_response_key": "faq/" + faq, "confidence": 0.9}}}
    return {"event": "user", "text": text, "timestamp": ts, "parse_data": parse, "metadata": metadata or {}}


def action(name, ts=0.0):
    return {"event": "action", "name": name, "timestamp": ts}


def bot(text, ts, utter=None, buttons=None):
    return {"event": "bot", "text": text, "timestamp": ts, "data": {"buttons": buttons} if buttons else {},
            "metadata": {"utter_action": utter} if utter else {}}


def slot(name, value):
    return {"event": "slot", "name": name, "value": value}


TOPIC_BUTTONS = [{"title": "月額料金", "payload": '/choose_faq{"faq_topic":"rs_monthly_fee"}'},
                 {"title": "解約", "payload": '/choose_faq{"faq_topic":"rs_cancel_how"}'},
                 {"title": "いずれでもない", "payload": "/none_of_these"}]


def conversation():
    return [
        action("action_session_start"), {"event": "session_started"}, action("action_listen"),
        # 1: an FAQ answer
        user("リモートサポートの月額料金は？", "faq", 0.97, 100.0, faq="rs_monthly_fee"),
        slot("service", "remote_support"), action("utter_faq", 100.1),
        bot("【リモートサポート】月額…", 100.2, utter="utter_faq/rs_monthly_fee"), action("action_listen"),
        # 2: unsure -> topics offered; 3: the customer picks one
        user("あれいくら", "nlu_fallback", 0.45, 200.0, faq="rs_monthly_fee",
             ranking=[{"name": "nlu_fallback", "confidence": 0.45}, {"name": "faq", "confidence": 0.31}]),
        action("action_offer_faq_topics"), bot("次のいずれかについてでしょうか。", 200.5, buttons=TOPIC_BUTTONS),
        action("action_listen"),
        user('/choose_faq{"faq_topic":"rs_cancel_how"}', "choose_faq", 1.0, 300.0),
        action("action_answer_faq_topic"), bot("【リモートサポート】解約は…", 300.1, utter="utter_faq/rs_cancel_how"),
        action("action_listen"),
        # 4: a contract number typed into the verification form, wrong digits -> a failure
        {"event": "active_loop", "name": "verify_identity_form"}, slot("requested_slot", "verify_phone_last4"),
        user("0000", "inform_verification", 0.8, 400.0), action("verify_identity_form"),
        bot("確認できませんでした。", 400.3), slot("identity_lock", "v1:1:0:" + "a" * 32),
        action("action_listen"),
        # 5: the third failure locks
        user("0001", "inform_verification", 0.8, 500.0), action("verify_identity_form"),
        bot("停止しています。", 500.2), slot("identity_lock", "v1:3:1796999999:" + "b" * 32),
        {"event": "active_loop", "name": None}, action("action_listen"),
        # 6: handoff
        user("オペレーターと話したい", "human_handoff", 0.99, 600.0), action("action_human_handoff"),
        bot("窓口をご案内します。", 600.05), action("action_listen"),
        # 7: a custom action that produced nothing (action server down)
        user("解約したい", "generic_question", 0.55, 700.0), action("action_disambiguate_service"),
        action("action_listen"),
    ]


def test_turns_read_what_the_bot_did():
    found = turns.split_turns(conversation(), "c1")
    assert [t.kind for t in found] == ["faq", "fallback", "faq", "verification", "verification", "handoff",
                                       "disambiguation"]
    faq = found[0]
    assert (faq.faq_key, faq.faq_answered, faq.service, faq.identified) == ("rs_monthly_fee", True, "remote_support",
                                                                           False)
    assert abs(faq.reply_seconds - 0.2) < 1e-9
    fallback = found[1]
    assert fallback.fallback_stage == 1
    assert fallback.predicted == "faq" and fallback.predicted_confidence == 0.31
    assert fallback.topics_offered == ["rs_monthly_fee", "rs_cancel_how"]
    assert fallback.topic_picked == "rs_cancel_how"
    assert found[3].form_input and found[3].verification == turns.FAILED
    assert found[4].verification == turns.LOCKED
    assert found[6].action_error and not found[5].action_error


def test_diagnostic_line():
    found = turns.split_turns(conversation(), "c1")
    assert turns.diagnostic_line(found[0]) == ("[diag] intent=faq (0.97) answer=faq/rs_monthly_fee "
                                               "service=remote_support identified=no kind=faq")
    line = turns.diagnostic_line(found[1])
    assert "intent=nlu_fallback (0.45)" in line and "best=faq (0.31)" in line
    assert "topics=rs_monthly_fee,rs_cancel_how" in line
    account = turns.split_turns([
        slot("identity_proof", "v1:A1001:1:" + "c" * 64),
        user("ハンズオンはあと何回無料？", "account_hx_handson_free", 0.93, 10.0),
        slot("service", "haas"), action("action_account_hx_handson_free"), bot("残り2回", 10.4)], "c2")[0]
    assert turns.diagnostic_line(account) == ("[diag] intent=account_hx_handson_free (0.93) account=hx_handson_free "
                                              "service=haas identified=yes kind=account")
    claim = user("今月の請求は？", "account_monthly_bill", 0.9, 1.0, metadata={"token": "claim1:A1001:9:" + "d" * 64})
    assert turns.last_turn([claim, action("action_account_monthly_bill"), bot("…", 1.1)]).identified


def test_review_lists_findings_grouped_and_masked():
    events = conversation()
    events[3]["text"] = "山田太郎です。RS-0001 の月額は？ 電話 090-1234-5678 A1001"
    events[3]["parse_data"]["intent"]["confidence"] = 0.4  # an answer given below the threshold
    report = review.build(turns.split_turns(events, "customer-42"), 7, 0, 1000, threshold=0.6,
                          mask=review.make_masker(names=["山田 太郎", "山田太郎", "山田", "太郎"]))
    counts = report.counts()
    assert counts[review.FALLBACK_TOPICS] == 1 and counts[review.HANDOFF] == 1
    assert counts[review.VERIFY_FAILED] == 1 and counts[review.VERIFY_LOCKED] == 1
    assert counts[review.LOW] == 1 and counts[review.ACTION_ERROR] == 1 and counts[review.DISAMBIGUATION] == 1
    text = review.format_text(report)
    for private in ("山田", "太郎", "RS-0001", "1234", "5678", "A1001", "0000", "0001", "customer-42"):
        assert private not in text, private
    assert "picked: rs_cancel_how" in text
    topics = dict(report.by_topic())
    assert len(topics["faq/rs_monthly_fee"]) == 2  # the low-confidence answer and the fallback


def test_export_is_a_rasa_nlu_draft(tmp_path):
    events = conversation()
    report = review.build(turns.split_turns(events, "c1"), 7, 0, 1000, mask=review.make_masker(names=[]))
    draft = tmp_path / "draft.yml"
    assert review.export_nlu_draft(report, draft) == 1
    text = draft.read_text(encoding="utf-8")
    assert "# predicted intent: faq" in text
    data = yaml.safe_load(text)
    assert data["nlu"] == [{"intent": "label_me", "examples": "- あれいくら\n"}]
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    examples = RasaYAMLReader().reads(text).training_examples
    assert [e.get("text") for e in examples] == ["あれいくら"]
