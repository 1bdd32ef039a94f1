"""The conversation flows that need no customer data: handoff, disambiguation, two-stage fallback."""
from __future__ import annotations

from datetime import datetime

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.general import (
    ActionAnswerFaqTopic,
    ActionDisambiguateService,
    ActionHumanHandoff,
    ActionOfferFaqTopics,
)
from bot.faq import catalog
from bot.settings import TOKYO
from bot.support import contacts, topics
from tests.support.trackers import make_tracker


def run(action, t: Tracker):
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, t, {})
    return dispatcher.messages, events


def test_every_faq_answer_has_examples_a_source_and_a_service_label():
    entries = catalog.load()
    assert len(entries) >= 120
    for entry in entries.values():
        assert len(entry.examples) >= 12, entry.key
        assert entry.source.startswith("seed 00"), entry.key
        assert entry.answers and all(a.startswith("【") for a in entry.answers), entry.key


def test_every_faq_answer_has_a_short_button_title_of_its_own():
    import yaml

    titles = yaml.safe_load(catalog.TITLES_FILE.read_text(encoding="utf-8"))
    assert set(titles) == set(catalog.load())
    for key, entry in catalog.load().items():
        assert entry.title == titles[key] and len(entry.title) <= 18, key
    assert len(set(titles.values())) == len(titles)


def test_every_generic_topic_points_at_existing_faq_answers():
    for topic in topics.topics().values():
        for service, key in topic.answers.items():
            assert service in contacts.SERVICES
            assert catalog.entry(key) is not None, (topic.name, key)


@pytest.mark.parametrize(
    "text, topic",
    [("解約したいんですが", "cancel"), ("料金っていくら？", "price"), ("営業時間は何時から？", "hours"),
     ("問い合わせ先を教えて", "contact"), ("申し込みたいです", "apply"), ("支払い方法は？", "payment"),
     ("ｷｬﾝｾﾙしたい", "cancel")],
)
def test_generic_topic_detection(text, topic):
    assert topics.detect(text).name == topic


def test_generic_question_without_service_asks_which_service_with_buttons():
    messages, events = run(ActionDisambiguateService(), make_tracker("解約したい", "generic_question"))
    assert "どのサービス" in messages[0]["text"]
    payloads = [b["payload"] for b in messages[0]["buttons"]]
    # only services whose documents answer 解約 are offered (Linuxmania HaaS has no 解約 rule)
    assert payloads == [f'/choose_service{{"service":"{s}"}}' for s in
                        ("remote_support", "license_maintenance", "rental", "phone_answering")]
    assert {"event": "slot", "name": "faq_topic", "value": "cancel", "timestamp": None} in events


def test_choosing_a_service_answers_the_remembered_topic():
    t = make_tracker('/choose_service{"service":"rental"}', "choose_service",
                entities=[{"entity": "service", "value": "rental"}], slots={"faq_topic": "cancel"})
    messages, events = run(ActionDisambiguateService(), t)
    assert messages[0]["response"] == "utter_faq/rt_cancel_how"
    assert {"event": "slot", "name": "service", "value": "rental", "timestamp": None} in events


def test_service_known_from_the_conversation_is_used_without_asking():
    messages, _ = run(ActionDisambiguateService(), make_tracker("料金は？", "generic_question", slots={"service": "remote_support"}))
    assert messages[0]["response"] == "utter_faq/rs_monthly_fee"


def test_topic_the_service_documents_do_not_cover_gets_the_contact_not_an_invented_answer():
    messages, _ = run(ActionDisambiguateService(), make_tracker("営業時間は？", "generic_question", slots={"service": "rental"}))
    assert "ご案内できる資料がございません" in messages[0]["text"]
    assert "マイページ" in messages[0]["text"]


def test_handoff_for_a_known_service_says_whether_it_is_open_now(monkeypatch):
    monkeypatch.setattr("bot.settings.now", lambda: datetime(2026, 11, 24, 11, 0, tzinfo=TOKYO))  # Tue
    messages, _ = run(ActionHumanHandoff(), make_tracker("人と話したい", "human_handoff", slots={"service": "haas"}))
    assert "customer@linuxmania.jp" in messages[0]["text"] and "現在受付中です" in messages[0]["text"]
    monkeypatch.setattr("bot.settings.now", lambda: datetime(2026, 11, 23, 11, 0, tzinfo=TOKYO))  # 勤労感謝の日
    messages, _ = run(ActionHumanHandoff(), make_tracker("人と話したい", "human_handoff", slots={"service": "haas"}))
    assert "現在は受付時間外です" in messages[0]["text"]


def test_handoff_without_a_service_lists_every_contact(monkeypatch):
    monkeypatch.setattr("bot.settings.now", lambda: datetime(2026, 11, 22, 22, 0, tzinfo=TOKYO))  # Sun 22:00
    messages, _ = run(ActionHumanHandoff(), make_tracker("オペレーターお願い", "human_handoff"))
    text = messages[0]["text"]
    assert "0957-22-1193" in text and "customer@linuxmania.jp" in text
    assert text.count("現在は受付時間外です") == 2  # remote support closes at 21:00; HaaS is closed on Sunday


def _selector(*keys):
    return {"faq": {"ranking": [{"intent_response_key": f"faq/{k}", "confidence": 0.2} for k in keys]}}


def test_fallback_offers_the_three_most_likely_topics_then_gives_up():
    t = make_tracker("よくわからない質問", "nlu_fallback",
                response_selector=_selector("rs_monthly_fee", "rs_billing_start", "rs_unlimited_use", "rt_login"))
    messages, _ = run(ActionOfferFaqTopics(), t)
    buttons = messages[0]["buttons"]
    assert [b["payload"] for b in buttons[:3]] == [
        '/choose_faq{"faq_topic":"rs_monthly_fee"}', '/choose_faq{"faq_topic":"rs_billing_start"}',
        '/choose_faq{"faq_topic":"rs_unlimited_use"}']
    assert buttons[3]["payload"] == "/none_of_these"
    second = make_tracker("まだわからない", "nlu_fallback", response_selector=_selector("rs_monthly_fee"),
                     events=[{"event": "action", "name": "action_offer_faq_topics"}, {"event": "action", "name": "action_listen"}])
    messages, _ = run(ActionOfferFaqTopics(), second)
    assert messages[0]["response"] == "utter_default"


def test_chosen_faq_topic_is_answered_and_forged_keys_are_refused():
    messages, _ = run(ActionAnswerFaqTopic(), make_tracker("/choose_faq", "choose_faq",
                                                      entities=[{"entity": "faq_topic", "value": "pa_free_trial"}]))
    assert messages[0]["response"] == "utter_faq/pa_free_trial"
    for forged in ["../../etc", "utter_greet", "rs_does_not_exist", ""]:
        messages, _ = run(ActionAnswerFaqTopic(), make_tracker("/choose_faq", "choose_faq",
                                                          entities=[{"entity": "faq_topic", "value": forged}]))
        assert messages[0]["response"] == "utter_default"


def test_a_verified_customers_single_matching_contract_decides_the_service(monkeypatch):
    from bot.engine.contracts import Account
    from bot.identity.customer import Identity

    class Contract:
        service = "phone_answering"

    monkeypatch.setattr("actions.identity.current_identity", lambda tracker: Identity(account_id="A9", source="token"))
    monkeypatch.setattr("bot.storage.repository.load_account",
                        lambda account_id: Account(id="A9", name="x", phone="0", internet_line=None, contracts=(Contract(),)))
    messages, _ = run(ActionDisambiguateService(), make_tracker("解約したい", "generic_question"))
    assert messages[0]["response"] == "utter_faq/pa_cancellation_penalty"


def test_an_anonymous_customer_is_asked_even_if_a_contract_number_is_typed(monkeypatch):
    monkeypatch.setattr("actions.identity.clock", lambda: 1_795_000_000.0)
    t = make_tracker("RS-0001 解約したい", "generic_question", entities=[{"entity": "contract_no", "value": "RS-0001"}])
    messages, _ = run(ActionDisambiguateService(), t)
    assert "buttons" in messages[0] and "どのサービス" in messages[0]["text"]


def test_fallback_also_offers_a_likely_question_about_the_customers_own_contracts():
    t = make_tracker("ハンズオンあと何回？", "nlu_fallback", response_selector=_selector("hx_handson_fee", "hx_handson_overview", "hx_eligibility"))
    t.latest_message["intent_ranking"] = [{"name": "nlu_fallback", "confidence": 1.0},
                                          {"name": "account_hx_handson_free", "confidence": 0.4},
                                          {"name": "faq", "confidence": 0.35}]
    messages, _ = run(ActionOfferFaqTopics(), t)
    payloads = [b["payload"] for b in messages[0]["buttons"]]
    assert payloads[0] == "/account_hx_handson_free"
    assert payloads[1:] == ['/choose_faq{"faq_topic":"hx_handson_fee"}', '/choose_faq{"faq_topic":"hx_handson_overview"}',
                            "/none_of_these"]


# -- issue #14: the service from content and context; disambiguation only where the documents disagree --

def _faq(key, confidence=0.9):
    return {"faq": {"response": {"intent_response_key": f"faq/{key}", "confidence": confidence},
                    "ranking": [{"intent_response_key": f"faq/{key}", "confidence": confidence}]}}


def _service_entity(service, start=0, end=2):
    return {"entity": "service", "value": service, "start": start, "end": end}


def test_a_topic_several_services_answer_offers_only_those_services():
    messages, events = run(ActionDisambiguateService(),
                           make_tracker("営業時間は？", "generic_question", response_selector=_faq("hx_support_hours")))
    payloads = [b["payload"] for b in messages[0]["buttons"]]
    assert payloads == ['/choose_service{"service":"remote_support"}', '/choose_service{"service":"haas"}']
    assert {"event": "slot", "name": "faq_topic", "value": "hours", "timestamp": None} in events
    messages, _ = run(ActionDisambiguateService(),
                      make_tracker("違約金はかかる？", "generic_question", response_selector=_faq("rs_min_term_penalty")))
    assert [b["payload"] for b in messages[0]["buttons"]] == [
        '/choose_service{"service":"remote_support"}', '/choose_service{"service":"phone_answering"}']


def test_the_follow_up_with_the_service_answers_at_once():
    t = make_tracker('/choose_service{"service":"haas"}', "choose_service", entities=[_service_entity("haas")],
                slots={"faq_topic": "hours"})
    messages, events = run(ActionDisambiguateService(), t)
    # hx_support_hours has a rule for the day asked about: the answers registry replies (actions/account.py)
    assert "平日10時0分～16時30分" in messages[0]["text"] and "customer@linuxmania.jp" in messages[0]["text"]
    assert {"event": "slot", "name": "service", "value": "haas", "timestamp": None} in events


def test_a_topic_one_document_covers_is_answered_from_it_without_asking():
    messages, _ = run(ActionDisambiguateService(),
                      make_tracker("サポートのメールアドレスを教えて", "generic_question", response_selector=_faq("hx_support_contact")))
    assert messages[0]["response"] == "utter_faq/hx_support_contact" and not messages[0].get("buttons")


def test_a_topic_only_another_service_has_is_answered_from_it_saying_the_conversations_service_has_none():
    t = make_tracker("サポートのメールアドレスを教えて", "generic_question", slots={"service": "rental"},
                response_selector=_faq("hx_support_contact"))
    messages, events = run(ActionDisambiguateService(), t)
    assert "【レンタル端末/SIM(マイページ)】" in messages[0]["text"] and "ございません" in messages[0]["text"]
    assert "Linuxmania サポート" in messages[0]["text"]
    assert messages[1]["response"] == "utter_faq/hx_support_contact"
    # the conversation stays about rental: a later service-less question is still answered for it
    assert not [e for e in events if e.get("name") == "service"]
    # in a conversation about Linuxmania itself, the plain answer
    messages, _ = run(ActionDisambiguateService(), make_tracker("サポートのメールアドレスを教えて", "generic_question",
                      slots={"service": "haas"}, response_selector=_faq("hx_support_contact")))
    assert [m.get("response") for m in messages] == ["utter_faq/hx_support_contact"]


def test_resolve_answers_a_one_service_topic_from_its_service_whatever_the_conversation_is_about():
    asked = ("サポートのメールアドレスは？", "hx_support_contact")
    assert topics.resolve(*asked) == topics.Resolution("answer", topics.topics()["mail_address"], "haas",
                                                       "hx_support_contact")
    in_rental = topics.resolve(*asked, slot_service="rental")
    assert (in_rental.kind, in_rental.service, in_rental.key, in_rental.instead_of) == (
        "answer", "haas", "hx_support_contact", "rental")
    assert topics.resolve(*asked, slot_service="haas").instead_of is None
    # a topic several services have still follows the conversation (no answer borrowed from another)
    assert topics.resolve("営業時間は？", "hx_support_hours", slot_service="rental").kind == "no_document"


def test_a_service_less_follow_up_inherits_the_conversations_service():
    t = make_tracker("営業時間は？", "generic_question", slots={"service": "remote_support"},
                response_selector=_faq("hx_support_hours"))
    messages, events = run(ActionDisambiguateService(), t)
    assert messages[0]["response"] == "utter_faq/rs_business_hours"
    assert {"event": "slot", "name": "service", "value": "remote_support", "timestamp": None} in events


def test_a_follow_up_that_names_another_service_is_answered_for_that_one():
    t = make_tracker("Linuxmaniaのほうの営業時間は？", "generic_question", slots={"service": "remote_support"},
                entities=[_service_entity("haas", 0, 10)], response_selector=_faq("rs_business_hours"))
    messages, events = run(ActionDisambiguateService(), t)
    assert "平日10時0分～16時30分" in messages[0]["text"]  # Linuxmania's hours, not remote support's
    assert {"event": "slot", "name": "service", "value": "haas", "timestamp": None} in events


@pytest.mark.parametrize("text, service, key", [
    ("プリンタの調子が悪いけど料金は？", "remote_support", "rs_monthly_fee"),
    ("インシデントって解約できる？", "license_maintenance", "cw_not_renewed"),
    ("ハンズバイの料金は？", "haas", "hx_support_fee"),
    ("端末を解約したい", "rental", "rt_cancel_how"),
    ("転送の料金はいくら？", "phone_answering", "pa_price_forward_display"),
])
def test_a_service_dependent_question_with_one_services_words_is_answered_for_it(text, service, key):
    # the NLU marks the service words as `service` entities (bot.nlu.classifier)
    messages, _ = run(ActionDisambiguateService(), make_tracker(text, "generic_question", entities=[_service_entity(service)]))
    assert messages[0]["response"] == f"utter_faq/{key}"


def test_a_payment_question_without_a_service_follows_the_conversation_or_offers_the_services_with_a_rule():
    asked = make_tracker("支払いはどうすればいいですか", "generic_question", response_selector=_faq("cw_renewal_payment"))
    messages, events = run(ActionDisambiguateService(), asked)
    assert [b["payload"] for b in messages[0]["buttons"]] == [
        f'/choose_service{{"service":"{s}"}}' for s in ("remote_support", "license_maintenance", "haas", "rental")]
    assert {"event": "slot", "name": "faq_topic", "value": "payment", "timestamp": None} in events
    # in a conversation about the licence maintenance: its rule (cash in advance), not another service's
    t = make_tracker("支払いはどうすればいいですか", "generic_question", slots={"service": "license_maintenance"},
                response_selector=_faq("hx_paid_payment"))
    messages, _ = run(ActionDisambiguateService(), t)
    assert messages[0]["response"] == "utter_faq/cw_renewal_payment"


def test_the_chosen_services_own_answer_is_kept_when_the_topic_lists_several_of_it():
    topic = topics.Topic("t", "料金", (), {"rental": "rt_plan_change_fee"}, ("rt_plan_change_fee", "rt_plan_change_how"))
    assert topics.remembered(topic, "faq/rt_plan_change_how") == "t:rt_plan_change_how"
    assert topics.remembered(topic, "faq/rt_plan_change_fee") == "t"
    resolution = topics.resolve("", "rt_plan_change_how", ["rental"], topic=topic)
    assert resolution.key == "rt_plan_change_how"
