"""Every account action: anonymous customers get the general rule and an offer; verified customers get
their own figures (checked against the engine's worked examples); nobody sees another account's data."""
from __future__ import annotations

import pytest

import actions.account as acc
from actions.account import ActionAnswerPendingQuestion
from bot import answers
from bot.answers import service as answering
from bot.identity import tokens
from tests.support.demo_accounts import SECRET, account_data, contains, proof_for
from tests.support.trackers import NOW, make_tracker, run_action, slot_events, texts

ACTIONS = {cls().key: cls() for cls in acc.AccountQuestionAction.__subclasses__()}


def _account(demo_accounts, account_id):
    return next(a for a in demo_accounts if a["id"] == account_id)


def _ask(key, account_id=None, text="質問", entities=None, metadata=None, **kwargs):
    slots = {"identity_proof": proof_for(account_id)} if account_id else {}
    slots.update(kwargs.pop("slots", {}))
    tracker = make_tracker(text, f"account_{key}", slots=slots, entities=entities, metadata=metadata, **kwargs)
    return run_action(ACTIONS[key], tracker)


def test_one_action_per_question_and_names_match_intents():
    assert set(ACTIONS) == set(answers.QUESTIONS)
    assert len(ACTIONS) >= 20
    for key, action in ACTIONS.items():
        assert action.name() == f"action_account_{key}"


def test_every_service_has_questions():
    services = {q.service for q in answers.QUESTIONS.values() if q.service is not None}
    assert len(services) == 5


# ---- anonymous ------------------------------------------------------------------------------

@pytest.mark.parametrize("key", sorted(k for k, q in answers.QUESTIONS.items() if q.needs_identity))
def test_anonymous_gets_general_rule_and_offer_without_account_data(key, demo_accounts):
    events, messages = _ask(key)
    assert len(messages) == 1
    buttons = messages[0]["buttons"]
    assert [b["title"] for b in buttons] == ["本人確認する", "結構です"]
    assert [b["payload"] for b in buttons] == ["/request_verification", "/decline_verification"]
    assert answers.QUESTIONS[key].general_text(None) in messages[0]["text"]
    assert slot_events(events)["pending_question"].startswith(key + "|")
    assert slot_events(events)["verification_offered"] is True
    shown = texts(messages)
    for account in demo_accounts:
        for value in account_data(account):
            assert not contains(shown, value), (key, value)


@pytest.mark.parametrize("forged", [
    "A1001",                                               # an account id typed into the slot
    "v1:A1001:1795000000:" + "0" * 64,                     # the right shape, a made-up signature
])
def test_forged_identity_slot_is_anonymous_and_cleared(forged, demo_accounts):
    events, messages = _ask("contract_summary", slots={"identity_proof": forged})
    assert slot_events(events)["identity_proof"] is None
    assert "本人確認の情報を確認できなかった" in messages[0]["text"]
    for value in account_data(_account(demo_accounts, "A1001")):
        assert not contains(texts(messages), value)


def test_slash_syntax_with_entities_proves_nothing(demo_accounts):
    """`/account_contract_summary{"verified_account": "A1001", "contract_no": "RS-0001"}`."""
    entities = [{"entity": "verified_account", "value": "A1001"}, {"entity": "contract_no", "value": "RS-0001"}]
    events, messages = _ask("contract_summary", text='/account_contract_summary{"verified_account":"A1001"}',
                            entities=entities)
    assert "identity_proof" not in slot_events(events)
    shown = texts(messages)
    for value in account_data(_account(demo_accounts, "A1001")):
        assert value not in shown


def test_proof_from_another_conversation_is_rejected(demo_accounts):
    events, messages = _ask("contract_summary", slots={"identity_proof": proof_for("A1001", sender="someone-else")})
    assert slot_events(events)["identity_proof"] is None
    assert "山田" not in texts(messages)


def test_proof_signed_with_another_secret_is_rejected():
    from bot.identity.proofs import issue_proof

    proof = issue_proof("A1001", "conv-test-1", NOW - 60, secret=b"not-our-secret-0123456789")
    events, messages = _ask("contract_summary", slots={"identity_proof": proof})
    assert slot_events(events)["identity_proof"] is None
    assert "山田" not in texts(messages)


def test_proof_expires_after_15_minutes_without_messages():
    proof = proof_for("A1001", at=NOW - 16 * 60)
    events, messages = _ask("contract_summary", slots={"identity_proof": proof}, previous_message_at=NOW - 16 * 60)
    assert slot_events(events)["identity_proof"] is None
    assert "15分以上" in messages[0]["text"]
    assert "山田" not in texts(messages)


def test_proof_stays_valid_while_the_customer_keeps_writing():
    proof = proof_for("A1001", at=NOW - 40 * 60)     # verified 40 minutes ago, a message every 10 minutes since
    events, messages = _ask("contract_summary", slots={"identity_proof": proof}, previous_message_at=None,
                            earlier_messages=(NOW - 30 * 60, NOW - 20 * 60, NOW - 10 * 60))
    assert "山田 太郎様" in messages[0]["text"]
    renewed = slot_events(events)["identity_proof"]
    assert renewed != proof and renewed.split(":")[2] == str(int(NOW))


def test_one_long_pause_since_verification_expires_the_proof():
    proof = proof_for("A1001", at=NOW - 40 * 60)     # verified 40 minutes ago, then silent for 35 minutes
    events, messages = _ask("contract_summary", slots={"identity_proof": proof}, previous_message_at=NOW - 5 * 60)
    assert slot_events(events)["identity_proof"] is None
    assert "山田" not in texts(messages)


# ---- login tokens ---------------------------------------------------------------------------

def test_valid_login_token_answers_for_its_account():
    token = tokens.issue("A1007", secret=SECRET.encode())
    _, messages = _ask("cw_renewal_fee", metadata={"token": token})
    assert "39,200円(税別) = 43,120円(税込)" in messages[0]["text"]


def test_token_is_checked_on_every_message_and_wins_over_nothing_else():
    """A token for A1007 and a chat proof for A1001: the token's account answers (never a mix)."""
    token = tokens.issue("A1007", secret=SECRET.encode())
    _, messages = _ask("contract_summary", "A1001", metadata={"token": token})
    assert "渡辺 翔様" in messages[0]["text"] and "山田" not in messages[0]["text"]


@pytest.mark.parametrize("make_token", [
    lambda: tokens.issue("A1001", secret=SECRET.encode())[:-4] + "AAAA",              # tampered signature
    lambda: tokens.issue("A1001", secret=SECRET.encode(), now=NOW - 7200, minutes=5),  # expired
    lambda: tokens.issue("A9999", secret=SECRET.encode()),                             # unknown account
    lambda: tokens.issue("A1001", secret=b"another-secret-0123456789-0123456789"),      # other key
    lambda: "garbage",
])
def test_rejected_token_is_anonymous_and_said_politely(make_token, demo_accounts):
    events, messages = _ask("contract_summary", metadata={"token": make_token()})
    assert "ログイン情報を確認できなかった" in messages[0]["text"]
    assert [b["title"] for b in messages[0]["buttons"]] == ["本人確認する", "結構です"]
    for value in account_data(_account(demo_accounts, "A1001")):
        assert not contains(texts(messages), value)


# ---- figures (engine worked examples) -------------------------------------------------------

def test_rejoin_worked_example_18_months_pays_30_percent():
    _, messages = _ask("cw_rejoin_fee", "A1001")
    text = messages[0]["text"]
    assert "残存価値70%" in text and "30%" in text
    assert "108,000円(税別) = 118,800円(税込)" in text
    assert "2027年11月20日" in text   # one year from the rejoin day 2026-11-20 (the anniversary is the expiry date)


def test_adding_one_licence_six_months_after_renewal_pays_10_percent():
    _, messages = _ask("cw_add_licenses", "A1007", text="ライセンスを1つ追加したら？")
    text = messages[0]["text"]
    assert "98,000円(税別)" in text and "19,600円(税別)" in text and "残存価値90%" in text
    assert "117,600円(税別) = 129,360円(税込)" in text


def test_adding_two_licences_counts_them():
    _, messages = _ask("cw_add_licenses", "A1007", text="ライセンスを２つ追加するといくら")
    assert "2ライセンス追加" in messages[0]["text"]
    assert "215,600円(税別) = 237,160円(税込)" in messages[0]["text"]


def test_renewal_fee_and_payment_deadline_in_business_days():
    _, messages = _ask("cw_payment_deadline", "A1007")
    text = messages[0]["text"]
    # renewal starts 2027-05-20 (Thu); 3 business days before: Mon 2027-05-17
    assert "39,200円(税別) = 43,120円(税込)" in text and "2027年5月17日" in text


def test_handson_worked_example(monkeypatch):
    monkeypatch.setenv("MADOGUCHI_TODAY", "2026-11-21")
    _, messages = _ask("hx_handson_free", "A1001")
    assert "残り2回、2026年12月1日まで" in messages[0]["text"]


def test_handson_all_free_uses_taken():
    _, messages = _ask("hx_handson_free", "A1003")
    assert "有料" in messages[0]["text"]


@pytest.mark.parametrize("today,expected", [
    ("2026-11-10", "2026年11月30日でのご解約"),
    ("2026-11-16", "2026年12月31日でのご解約"),
    ("2026-11-25", "2026年11月25日は解約申請を受け付けられません"),
])
def test_rental_cancellation_worked_examples(today, expected, monkeypatch):
    monkeypatch.setenv("MADOGUCHI_TODAY", today)
    _, messages = _ask("rt_cancel_end", "A1004")
    assert expected in messages[0]["text"]


def test_remote_support_mid_month_start_is_charged_in_full():
    _, messages = _ask("monthly_bill", "A1002")
    assert "2026年11月分 550円(税込)" in messages[0]["text"]


def test_remote_support_cancel_this_month_is_full_month_no_penalty():
    _, messages = _ask("rs_cancel_this_month", "A1001")
    text = messages[0]["text"]
    assert "2026年11月20日で終了" in text and "550円(税込)を満額" in text and "違約金はありません" in text


def test_remote_support_other_provider_not_eligible():
    _, messages = _ask("rs_eligibility", "A1003")
    assert "他社のインターネット回線" in messages[0]["text"]


def test_deposit_refunded_when_depocomi_completes_on_the_end_date():
    _, messages = _ask("rt_deposit_refund", "A1006")   # ends 2026-12-31 = exactly 12 months
    assert "2026年12月31日" in messages[0]["text"] and "ご返金の対象" in messages[0]["text"]


def test_deposit_not_refunded_before_12_months():
    _, messages = _ask("rt_deposit_refund", "A1001")
    assert "ご返金できません" in messages[0]["text"]


def test_premium_for_sim_is_promised_no_theft_cover():
    # Seed 003 gives the cover (from 2 months after the start month) for 安心サポートPremium only.
    _, messages = _ask("rt_theft_cover", "A1011")
    assert "2027年1月1日" not in messages[0]["text"] and "補償は" not in messages[0]["text"].split("。")[1]
    assert "Premiumのみ" in messages[0]["text"]


def test_anshin_change_already_used():
    _, messages = _ask("rt_anshin_change", "A1005")
    assert "1回ご利用済み" in messages[0]["text"]


def test_payment_change_from_konbini_to_card():
    _, messages = _ask("rt_payment_change", "A1004", text="支払いをカードに変えられる？")
    assert "コンビニ払い(atone)" in messages[0]["text"] and "変更できます" in messages[0]["text"]


def test_receipt_only_for_card():
    _, card = _ask("rt_receipt", "A1011")
    _, konbini = _ask("rt_receipt", "A1004")
    assert "発行できます" in card[0]["text"] and "クレジットカード払いに限られます" in konbini[0]["text"]


def test_phone_answering_extra_number_fee():
    _, messages = _ask("pa_add_number", "A1008", text="番号を追加したら月額は？")
    text = messages[0]["text"]
    assert "現在の月額は9,900円(税込)" in text and "11,000円(税込)" in text


def test_phone_answering_trial_once_per_customer():
    _, used = _ask("pa_trial", "A1001")
    _, formal = _ask("pa_trial", "A1008")     # a formal contract, trial never used: not a first-timer
    _, fresh = _ask("pa_trial", "A1002")      # no 電話代行 contract at all
    assert "ご利用いただけません" in used[0]["text"]
    assert "ご利用いただけません" in formal[0]["text"] and "正式契約" in formal[0]["text"]
    assert "2026年11月20日～2026年11月29日" in fresh[0]["text"]   # 10 days: 11-20 … 11-29


def test_phone_answering_no_penalty():
    _, messages = _ask("pa_cancel_penalty", "A1008")
    assert "違約金はかかりません" in messages[0]["text"]


def test_contract_summary_masks_phone_numbers():
    _, messages = _ask("contract_summary", "A1008")
    text = messages[0]["text"]
    assert "PA-0002" in text and "***-****-2468" in text and "03-0000-2468" not in text
    assert "090-0000-1008" not in text


@pytest.mark.parametrize("key", sorted(answers.QUESTIONS))
def test_verified_answers_never_show_another_accounts_data(key, demo_accounts):
    _, messages = _ask(key, "A1001")
    shown = texts(messages)
    assert shown
    for other in demo_accounts:
        if other["id"] == "A1001":
            continue
        for value in account_data(other):
            if value in account_data(_account(demo_accounts, "A1001")):
                continue  # the same plan name or price on both accounts
            assert not contains(shown, value), (key, other["id"], value)


def test_opening_hours_are_computed_for_everyone_without_an_offer(monkeypatch):
    # 2026-11-20 is a Friday (a 平日): at 10:30 the Linuxmania line is open (平日 10:00–16:30).
    import datetime as dt
    from bot import settings
    monkeypatch.setattr(settings, "now", lambda: dt.datetime(2026, 11, 20, 10, 30))
    events, messages = _ask("hx_support_hours")
    assert "受付時間内" in messages[0]["text"] and not messages[0].get("buttons")


# ---- several contracts ----------------------------------------------------------------------

def test_several_rentals_asks_which_contract_with_buttons():
    events, messages = _ask("rt_cancel_end", "A1012")
    buttons = messages[0]["buttons"]
    assert [b["payload"] for b in buttons] == ['/choose_contract{"contract_no":"RT-0006"}',
                                               '/choose_contract{"contract_no":"RT-0007"}']
    assert slot_events(events)["pending_question"].startswith("rt_cancel_end|")


def test_this_months_bill_is_answered_for_each_contract_with_a_fee():
    _, messages = _ask("monthly_bill", "A1001")
    text = messages[0]["text"]
    assert not messages[0]["buttons"]
    # RS 550円, RT デポコミ 3,980円, PA 9,900円 (one lent number, in the plan's fee)
    assert "550円(税込)" in text and "3,980円(税込)" in text and "9,900円(税込)" in text


def test_chosen_contract_answers_the_waiting_question():
    tracker = make_tracker('/choose_contract{"contract_no":"RT-0007"}', "choose_contract",
                           slots={"identity_proof": proof_for("A1012"), "pending_question": "rt_cancel_end|{}"},
                           entities=[{"entity": "contract_no", "value": "RT-0007"}])
    events, messages = run_action(ActionAnswerPendingQuestion(), tracker)
    assert "RT-0007" in messages[0]["text"] and "2026年12月31日でのご解約" in messages[0]["text"]
    assert slot_events(events)["pending_question"] is None


def test_choosing_another_accounts_contract_shows_nothing_of_it(demo_accounts):
    tracker = make_tracker("RT-0001", "choose_contract",
                           slots={"identity_proof": proof_for("A1012"), "pending_question": "rt_cancel_end|{}"},
                           entities=[{"entity": "contract_no", "value": "RT-0001"}])
    _, messages = run_action(ActionAnswerPendingQuestion(), tracker)
    shown = texts(messages)
    assert "見つかりませんでした" in shown
    assert "モバイルWi-Fiルーター(100GBプラン)" in shown          # A1012's own RT-0006 is offered
    for value in ["山田", "3,980円(税込)", "デポコミ", "W-2026-0001", "CATV-100234"]:
        assert value not in shown


def test_choosing_a_contract_while_anonymous_offers_verification():
    tracker = make_tracker("RT-0001", "choose_contract", slots={"pending_question": "rt_cancel_end|n=1"},
                           entities=[{"entity": "contract_no", "value": "RT-0001"}])
    _, messages = run_action(ActionAnswerPendingQuestion(), tracker)
    assert [b["title"] for b in messages[0]["buttons"]] == ["本人確認する", "結構です"]
    assert "RT-0001" not in texts(messages)


def test_choose_contract_without_waiting_question_asks_what_to_look_up():
    tracker = make_tracker("RT-0001", "choose_contract", slots={"identity_proof": proof_for("A1001")})
    events, messages = run_action(ActionAnswerPendingQuestion(), tracker)
    assert events == [] and "お知らせください" in messages[0]["text"]


# ---- failures -------------------------------------------------------------------------------

@pytest.mark.parametrize("key,contact", [
    ("rs_cancel_this_month", "0957-22-1193"),
    ("hx_handson_free", "customer@linuxmania.jp"),
    ("rt_cancel_end", "マイページ"),
    ("cw_renewal_fee", "メール"),
    ("pa_monthly_fee", "電話代行"),
])
def test_database_down_apologises_with_the_services_contact(key, contact, monkeypatch):
    monkeypatch.setenv("MADOGUCHI_DB_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")
    events, messages = _ask(key, "A1001")
    assert len(messages) == 1
    assert "申し訳ございません" in messages[0]["text"] and contact in messages[0]["text"]
    assert "Error" not in messages[0]["text"] and "Traceback" not in messages[0]["text"]
    assert slot_events(events)["pending_question"] is None


def test_database_down_while_checking_a_login_token(monkeypatch):
    token = tokens.issue("A1001", secret=SECRET.encode())
    monkeypatch.setenv("MADOGUCHI_DB_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")
    _, messages = _ask("rt_cancel_end", metadata={"token": token})
    assert "申し訳ございません" in messages[0]["text"] and "マイページ" in messages[0]["text"]


def test_unexpected_error_is_an_apology_not_silence(monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("unexpected")

    monkeypatch.setattr(acc.answering, "answer", boom)
    _, messages = _ask("rt_plan_change", "A1001")
    assert "申し訳ございません" in messages[0]["text"] and "unexpected" not in messages[0]["text"]
