"""Issue #14 through the real trained model (models/madoguchi.tar.gz): customer messages go through the
NLU pipeline (service words, service-dependent topics, FallbackClassifier, account routing), and
service-dependent ones then through action_disambiguate_service with the conversation's slots."""
from __future__ import annotations

from typing import Any, Dict, Optional

import pytest
from rasa_sdk.executor import CollectingDispatcher

from bot.faq.catalog import selected_key
from tests.support.trackers import make_tracker

# `parse` (the real model's parse of a text): tests/unit/nlu/conftest.py


def _services(parsed: Dict[str, Any]):
    return {e["value"] for e in parsed.get("entities") or [] if e.get("entity") == "service"}


def reply(parsed: Dict[str, Any], slots: Optional[Dict[str, Any]] = None):
    """What the dialogue does with the parse: (kind, detail). FAQ intents are answered by utter_faq or,
    for topics with a per-customer rule, by the account answers; both reply with the FAQ key's topic."""
    from actions.general import ActionDisambiguateService

    intent = parsed["intent"]["name"]
    if intent in ("faq", "account_topic"):
        return "answer", selected_key(parsed.get("response_selector"))
    if intent != "generic_question":
        return "intent", intent
    latest = {k: parsed.get(k) for k in ("text", "intent", "entities", "response_selector", "intent_ranking")}
    tracker = make_tracker(parse=latest, slots=slots, events=[])
    dispatcher = CollectingDispatcher()
    ActionDisambiguateService().run(dispatcher, tracker, {})
    message = dispatcher.messages[0]
    if message.get("buttons"):
        return "buttons", [b["payload"] for b in message["buttons"]]
    return "answer", (message.get("response") or "").removeprefix("utter_faq/") or message.get("text")


@pytest.mark.parametrize("text, service, key", [
    ("プリンタが急に印刷できなくなりました。見てもらえますか", "remote_support", "rs_supported_devices"),
    ("ライセンスを入れたサーバに繋ぐ自分のクライアントPCも見てもらえますか", "license_maintenance", "cw_tech_support_conditions"),
    ("交換したパーツは返送が必要ですか", "haas", "hx_handsby_return_parts"),
    ("おまとめの途中で解約できますか", "rental", "rt_omatome"),
    ("転送の設定を代わりにやってもらえますか", "phone_answering", "pa_forwarding_settings"),
])
def test_content_names_the_service_for_each_of_the_five(parse, text, service, key):
    parsed = parse(text)
    assert reply(parsed) == ("answer", key)
    assert service in _services(parsed)  # the `service` slot follows the content


def test_a_vague_start_date_is_phone_answerings_exact_start_date_rule(parse):
    assert reply(parse("8月の頭あたりから使い始めたいです")) == ("answer", "pa_start_date")


def test_a_topic_only_one_service_has_is_answered_directly(parse):
    assert reply(parse("サポートのメールアドレスを教えて")) == ("answer", "hx_support_contact")


def test_a_topic_only_another_service_has_is_answered_from_it_in_a_conversation_about_rental(parse):
    parsed = parse("サポートのメールアドレスを教えて")
    from actions.general import ActionDisambiguateService

    latest = {k: parsed.get(k) for k in ("text", "intent", "entities", "response_selector", "intent_ranking")}
    dispatcher = CollectingDispatcher()
    ActionDisambiguateService().run(dispatcher, make_tracker(parse=latest, slots={"service": "rental"}, events=[]), {})
    note, answer = dispatcher.messages
    assert "レンタル" in note["text"] and "Linuxmania" in note["text"]
    assert answer["response"] == "utter_faq/hx_support_contact"


def test_a_topic_several_services_have_offers_only_those(parse):
    kind, payloads = reply(parse("営業時間は？"))
    assert kind == "buttons"
    assert payloads == ['/choose_service{"service":"remote_support"}', '/choose_service{"service":"haas"}']


def test_a_service_less_follow_up_inherits_the_conversations_service(parse):
    assert reply(parse("営業時間は？"), {"service": "remote_support"}) == ("answer", "rs_business_hours")
    assert reply(parse("違約金はかかりますか"), {"service": "phone_answering"}) == ("answer", "pa_cancellation_penalty")


def test_a_follow_up_that_names_another_service_is_answered_for_it(parse):
    parsed = parse("Linuxmaniaの営業時間は？")
    assert reply(parsed, {"service": "remote_support"}) == ("answer", "hx_support_hours")
    assert _services(parsed) == {"haas"}


def test_out_of_scope_stays_out_of_scope(parse):
    assert reply(parse("明日の天気はどうですか")) == ("intent", "out_of_scope")


def test_payment_in_a_licence_maintenance_conversation_gets_its_rule_not_another_services(parse):
    assert reply(parse("支払いはどうすればいいですか"), {"service": "license_maintenance"}) == ("answer", "cw_renewal_payment")
    assert reply(parse("保守の更新は後払いの請求書払いにできますか")) == ("answer", "cw_renewal_payment")
