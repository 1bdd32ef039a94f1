"""The verification form's validation action, the result action and the decline action (actions/verification.py)."""
from __future__ import annotations

import logging

import pytest

from actions.verification import (
    ActionDeclineVerification,
    ActionVerificationResult,
    ValidateVerifyIdentityForm,
    extract_contract_no,
    extract_last4,
)
from bot.identity import locks, proofs
from tests.support.demo_accounts import SECRET, account_data, contains, proof_for
from tests.support.trackers import NOW, SENDER, make_tracker, run_action, slot_events, texts

FORM = "verify_identity_form"
KEY = SECRET.encode()


def _contract_turn(text, entities=None, slots=None):
    tracker = make_tracker(text, "choose_contract", entities=entities, active_loop=FORM,
                           requested_slot="verify_contract_no",
                           slots={"verify_contract_no": text, **(slots or {})})
    return run_action(ValidateVerifyIdentityForm(), tracker)


def _digits_turn(contract_no, digits, slots=None, intent="inform_verification"):
    tracker = make_tracker(digits, intent, active_loop=FORM, requested_slot="verify_phone_last4",
                           slots={"verify_contract_no": contract_no, "verify_phone_last4": digits, **(slots or {})})
    return run_action(ValidateVerifyIdentityForm(), tracker)


# ---- extraction ------------------------------------------------------------------------------

@pytest.mark.parametrize("text,expected", [
    ("RS-0001", "RS-0001"), ("rs-0001です", "RS-0001"), ("ＲＴ－０００２", "RT-0002"), ("契約番号はcw0001", "CW-0001"),
    ("A1001", None), ("山田です", None), ("0001", None),
])
def test_extract_contract_no(text, expected):
    assert extract_contract_no(text) == expected


def test_extract_contract_no_prefers_the_entity():
    assert extract_contract_no("えーと", [{"entity": "contract_no", "value": "LM-0003"}]) == "LM-0003"


@pytest.mark.parametrize("text,expected", [
    ("1001", "1001"), ("１００１です", "1001"), ("5678です", "5678"),
    ("下4桁は5678", None),          # the digits 4 and 5678: not exactly four, asked again
    ("090-0000-1001", None), ("12", None),
])
def test_extract_last4(text, expected):
    assert extract_last4(text) == expected


# ---- the form --------------------------------------------------------------------------------

def test_contract_number_is_normalised():
    events, messages = _contract_turn("rs-0001です")
    assert slot_events(events) == {"verify_contract_no": "RS-0001"}
    assert messages == []


def test_account_id_is_not_a_contract_number():
    events, messages = _contract_turn("A1001")
    assert slot_events(events) == {"verify_contract_no": None}
    assert "英字2文字と数字" in messages[0]["text"]


def test_right_digits_sign_a_proof_bound_to_this_conversation():
    events, messages = _digits_turn("RS-0001", "1001")
    slots = slot_events(events)
    assert slots["requested_slot"] is None
    assert slots["verify_contract_no"] is None and slots["verify_phone_last4"] is None  # digits not kept
    proof = slots["identity_proof"]
    assert proofs.check_proof(proof, SENDER, NOW, secret=KEY).account_id == "A1001"
    assert proofs.check_proof(proof, "another-conversation", NOW, secret=KEY).account_id is None
    assert messages == []


def test_full_width_digits_work():
    events, _ = _digits_turn("RT-0002", "１００４")
    assert proofs.check_proof(slot_events(events)["identity_proof"], SENDER, NOW, secret=KEY).account_id == "A1004"


def test_wrong_digits_count_a_failure_and_ask_again(demo_accounts):
    events, messages = _digits_turn("RS-0001", "9999")
    slots = slot_events(events)
    assert "identity_proof" not in slots
    assert slots["requested_slot"] == "verify_contract_no"
    state = locks.read_lock(slots["identity_lock"], SENDER, NOW, secret=KEY)
    assert state.failures == 1 and not state.locked(NOW)
    assert "あと2回" in messages[0]["text"]
    for account in demo_accounts:
        for value in account_data(account):
            assert not contains(texts(messages), value)


def test_unknown_contract_fails_exactly_like_wrong_digits(monkeypatch):
    import actions.identity

    _, unknown = _digits_turn("RS-9999", "1001")
    monkeypatch.setattr(actions.identity, "LOCKS", locks.LockRegistry())   # a fresh count
    _, wrong = _digits_turn("RS-0001", "9999")
    assert unknown == wrong


def test_full_phone_number_is_asked_again_without_counting():
    events, messages = _digits_turn("RS-0001", "090-0000-1001")
    slots = slot_events(events)
    assert slots == {"verify_contract_no": "RS-0001", "verify_phone_last4": None}
    assert "下4桁" in messages[0]["text"] and "1001" not in messages[0]["text"]


def test_third_failure_locks_for_30_minutes():
    lock = locks.issue_lock(locks.LockState(failures=2), SENDER, secret=KEY)
    events, messages = _digits_turn("RS-0001", "9999", slots={"identity_lock": lock})
    slots = slot_events(events)
    assert slots["requested_slot"] is None
    state = locks.read_lock(slots["identity_lock"], SENDER, NOW, secret=KEY)
    assert state.locked(NOW) and state.locked_until == NOW + 30 * 60
    assert not state.locked(NOW + 30 * 60 + 1)
    assert messages == []  # action_verification_result explains the lock


def test_locked_conversation_cannot_verify_even_with_the_right_digits():
    lock = locks.issue_lock(locks.LockState(failures=3, locked_until=NOW + 600), SENDER, secret=KEY)
    events, _ = _digits_turn("RS-0001", "1001", slots={"identity_lock": lock})
    assert "identity_proof" not in slot_events(events)
    assert slot_events(events)["requested_slot"] is None


def test_resetting_the_slots_does_not_lift_the_lock():
    """`/session_start` (or anything else that empties the slots) keeps the server's own count."""
    lock = locks.issue_lock(locks.LockState(failures=2), SENDER, secret=KEY)
    _digits_turn("RS-0001", "9999", slots={"identity_lock": lock})            # 3rd failure: locked
    events, _ = _digits_turn("RS-0001", "1001", slots={"identity_lock": None})  # slots emptied
    assert "identity_proof" not in slot_events(events)
    other, _ = run_action(ValidateVerifyIdentityForm(),
                          make_tracker("1001", "inform_verification", sender="another-conversation",
                                       active_loop=FORM, requested_slot="verify_phone_last4",
                                       slots={"verify_contract_no": "RS-0001", "verify_phone_last4": "1001"}))
    assert "identity_proof" in slot_events(other)   # the lock is per conversation


def test_failures_are_counted_even_when_the_slot_is_emptied_between_attempts():
    _digits_turn("RS-0001", "9999")
    _digits_turn("RS-0001", "9999")
    events, _ = _digits_turn("RS-0001", "9999")          # no lock slot ever passed back
    state = locks.read_lock(slot_events(events)["identity_lock"], SENDER, NOW, secret=KEY)
    assert state.locked(NOW)


def test_a_lock_from_another_conversation_or_tampered_counts_as_locked():
    forged = locks.issue_lock(locks.LockState(), "another-conversation", secret=KEY)
    events, _ = _digits_turn("RS-0001", "1001", slots={"identity_lock": forged})
    assert "identity_proof" not in slot_events(events)


def test_lock_runs_out_after_30_minutes():
    lock = locks.issue_lock(locks.LockState(failures=3, locked_until=NOW - 1), SENDER, secret=KEY)
    events, _ = _digits_turn("RS-0001", "1001", slots={"identity_lock": lock})
    assert proofs.check_proof(slot_events(events)["identity_proof"], SENDER, NOW, secret=KEY).account_id == "A1001"


@pytest.mark.parametrize("intent", ["decline_verification", "deny", "human_handoff"])
def test_customer_can_stop_the_form(intent):
    events, _ = _digits_turn("RS-0001", "やめます", intent=intent)
    assert slot_events(events)["requested_slot"] is None
    assert "identity_proof" not in slot_events(events)


def test_database_down_during_verification_apologises(monkeypatch):
    monkeypatch.setenv("MADOGUCHI_DB_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")
    events, messages = _digits_turn("RS-0001", "1001")
    assert slot_events(events)["requested_slot"] is None
    assert "申し訳ございません" in messages[0]["text"]


# ---- after the form ---------------------------------------------------------------------------

def _result(slots, metadata=None):
    tracker = make_tracker("1001", "inform_verification", slots=slots, metadata=metadata)
    return run_action(ActionVerificationResult(), tracker)


def test_result_answers_the_waiting_question():
    events, messages = _result({"identity_proof": proof_for("A1001", at=NOW),
                                "pending_question": "cw_rejoin_fee|n=1"})
    assert "本人確認ができました" in messages[0]["text"]
    assert "108,000円(税別) = 118,800円(税込)" in messages[0]["text"]
    assert slot_events(events)["pending_question"] is None


def test_result_without_waiting_question_invites_one():
    _, messages = _result({"identity_proof": proof_for("A1001", at=NOW)})
    assert "ご質問をどうぞ" in messages[0]["text"]


def test_result_after_lockout_offers_the_human_contact():
    lock = locks.issue_lock(locks.LockState(failures=3, locked_until=NOW + 1800), SENDER, secret=KEY)
    events, messages = _result({"identity_lock": lock, "pending_question": "rt_cancel_end|n=1"})
    text = messages[0]["text"]
    assert "30分間" in text and "停止" in text and "マイページ" in text
    assert slot_events(events)["pending_question"] is None


def test_result_when_not_verified_says_so():
    _, messages = _result({})
    assert "本人確認は完了していません" in messages[0]["text"]


def test_asking_for_a_person_during_verification_gets_the_contact():
    tracker = make_tracker("オペレーターと話したい", "human_handoff", slots={"pending_question": "hx_handson_free|n=1"})
    _, messages = run_action(ActionVerificationResult(), tracker)
    assert "customer@linuxmania.jp" in messages[0]["text"]


def test_decline_forgets_the_waiting_question():
    events, messages = run_action(ActionDeclineVerification(),
                                  make_tracker("結構です", "decline_verification",
                                               slots={"pending_question": "rt_cancel_end|n=1"}))
    assert slot_events(events) == {"pending_question": None, "verification_offered": False}
    assert messages[0]["text"]


# ---- logs ------------------------------------------------------------------------------------

def test_action_server_logs_mask_tokens_and_phone_numbers(caplog):
    from bot.identity import tokens

    token = tokens.issue("A1001", secret=KEY)
    proof = proof_for("A1001")
    with caplog.at_level(logging.INFO):
        logging.getLogger("rasa_sdk.executor").info("tracker %s", {"metadata": {"token": token}, "phone": "090-0000-1001",
                                                                  "identity_proof": proof, "verify_phone_last4": "1001"})
    assert token not in caplog.text and proof not in caplog.text
    assert "090-0000-1001" not in caplog.text and "1001" not in caplog.text
