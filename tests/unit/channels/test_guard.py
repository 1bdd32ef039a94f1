"""Input rules (bot.channels.guard), masking (bot.privacy) and conversation claims (bot.identity.claims),
without servers."""
from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path

import pytest

from bot.identity import claims, customer
from bot.privacy import logs, masking, phones
from bot.channels import guard

ROOT = Path(__file__).resolve().parents[3]
KEY = b"unit-test-secret-0123456789abcdef"


# ---------------------------------------------------------------------------- text
@pytest.mark.parametrize("text", ["", "   ", "\u3000\n\t", "\u202e\u200f", "\x00\x01\x7f", "\ud800"])
def test_empty_after_cleaning_gets_a_polite_reply(text):
    cleaned, reply = guard.clean_text(text)
    assert cleaned is None and reply == guard.EMPTY_REPLY and "ご質問を入力してください" in reply


def test_non_string_gets_a_polite_reply():
    assert guard.clean_text({"a": 1}) == (None, guard.EMPTY_REPLY)
    assert guard.clean_text(None) == (None, guard.EMPTY_REPLY)


def test_too_long_counted_after_nfkc():
    assert guard.clean_text("あ" * guard.MAX_CHARS)[1] is None
    cleaned, reply = guard.clean_text("あ" * (guard.MAX_CHARS + 1))
    assert cleaned is None and reply == guard.TOO_LONG_REPLY and f"{guard.MAX_CHARS}文字" in reply
    assert guard.clean_text("x" * 20_000)[1] == guard.TOO_LONG_REPLY
    # ㍿ (1 character) is 株式会社 (4) after NFKC
    assert guard.clean_text("㍿" * (guard.MAX_CHARS // 4 + 1))[1] == guard.TOO_LONG_REPLY


def test_control_bidi_and_surrogates_are_removed():
    cleaned, reply = guard.clean_text("\u202eこん\x00に\ud83dち\u2066は\x1b[31m\ufeff")
    assert reply is None
    assert cleaned == "こんにちは[31m"
    assert guard.clean_text("一行目\n二行目\tタブ")[0] == "一行目\n二行目\tタブ"
    assert guard.clean_text("😀👍🏽👨‍👩‍👧")[0] == "😀👍🏽👨‍👩‍👧"   # emoji (with ZWJ) kept


def test_injection_strings_are_plain_text():
    for text in ("'; DROP TABLE events; --", "{{7*7}} ${7*7} <%= 7*7 %>", "<script>alert(1)</script>",
                 '{"sender": "other", "message": "x"}'):
        assert guard.clean_text(text) == (text, None)


def test_phone_numbers_keep_only_the_last_4_digits():
    assert phones.redact("電話は090-1234-5678です") == "電話は***-****-5678です"
    assert phones.redact("０９０１２３４５６７８") == "***-****-５６７８"
    assert phones.redact("03 1234 5678") == "***-****-5678"
    # not phone numbers: contract numbers, amounts, dates, 4 digits
    for text in ("RS-0001", "120,000円", "2026-11-20", "5678", "1234567"):
        assert phones.redact(text) == text
    assert guard.clean_text("090-0000-1001")[0] == "***-****-1001"


# ---------------------------------------------------------------------------- slash syntax
@pytest.mark.parametrize("payload", [
    '/choose_service{"service":"rental"}',
    '/choose_faq{"faq_topic":"rs_center_phone"}',
    "/none_of_these",
    "/request_verification",
    "/decline_verification",
    '/choose_contract{"contract_no":"RS-0002"}',
])
def test_the_bots_own_buttons_keep_working(payload):
    assert guard.filter_slash(payload) == payload
    assert guard.clean_text(f"  {payload}\n")[0] == payload


def test_button_payloads_emitted_by_the_actions_are_all_allowed():
    from bot.answers.reply import VERIFY_BUTTONS

    for button in VERIFY_BUTTONS:
        assert guard.button_payload(button.payload) == button.payload
    from bot.storage.fixtures import load

    contracts = [c for account in load(ROOT / "fixtures" / "demo_accounts.yml") for c in account.contracts]
    from bot.answers.service import choose_contract_reply
    from bot.nlu.params import Params

    reply = choose_contract_reply("contract_summary", contracts, Params())
    assert len(reply.buttons) == len(contracts) > 10
    for button in reply.buttons:
        assert guard.button_payload(button.payload) == button.payload


@pytest.mark.parametrize("text", [
    "/account_contract_summary",
    '/inform_verification{"verify_contract_no":"RS-0002","verify_phone_last4":"1002"}',
    '/choose_service{"service":"rental","identity_proof":"v1:A1002:1:ab"}',
    '/choose_service{"service":"nonsense"}',
    '/choose_contract{"contract_no":"RS-0002 OR 1=1"}',
    '/choose_faq{"faq_topic":"../../etc"}',
    "/request_verification@1.0",
    '/none_of_these{"x":1}',
    "/restart",
    "/session_start",
    '/choose_contract{"contract_no":["RS-0001"]}',
    '/choose_contract{"contract_no":"XY-0001"}',   # no service's prefix (bot.engine.services)
    '/choose_contract{"contract_no":"rs-0001"}',   # buttons carry the canonical form only
    "/",
    "/greet{not json",
])
def test_other_slash_text_becomes_plain_text(text):
    filtered = guard.filter_slash(text)
    assert not filtered.strip().startswith("/")
    assert filtered == guard.FULLWIDTH_SOLIDUS + text[1:]


# ---------------------------------------------------------------------------- claims
def test_claims_are_bound_to_the_conversation_and_expire():
    now = 1_800_000_000.0
    claim = claims.issue_claim("A1001", "conv-1", now + 600, secret=KEY)
    assert claims.check_claim(claim, "conv-1", now, secret=KEY) == "A1001"
    assert claims.check_claim(claim, "conv-2", now, secret=KEY) is None          # another conversation
    assert claims.check_claim(claim, "conv-1", now + 601, secret=KEY) is None    # expired
    assert claims.check_claim(claim, "conv-1", now, secret=b"other-secret-000000000") is None
    forged = claim.replace("A1001", "A1002")
    assert claims.check_claim(forged, "conv-1", now, secret=KEY) is None
    assert claims.check_claim(claims.CLAIM_REJECTED, "conv-1", now, secret=KEY) is None


def test_resolve_accepts_a_claim_and_still_a_raw_token():
    now = 1_800_000_000.0
    claim = claims.issue_claim("A1001", "conv-1", now + 600, secret=KEY)
    ident = customer.resolve({"token": claim}, None, "conv-1", now, secret=KEY)
    assert ident.account_id == "A1001" and ident.source == customer.TOKEN
    other = customer.resolve({"token": claim}, None, "conv-2", now, secret=KEY)
    assert other.account_id is None and other.problem == customer.TOKEN_REJECTED
    rejected = customer.resolve({"token": claims.CLAIM_REJECTED}, None, "conv-1", now, secret=KEY)
    assert rejected.account_id is None and rejected.problem == customer.TOKEN_REJECTED
    raw = customer.resolve({"token": "t"}, None, "conv-1", now, secret=KEY, verify_token=lambda t: "A1003")
    assert raw.account_id == "A1003"


def test_secure_metadata_replaces_the_token(monkeypatch):
    from bot.identity import tokens

    monkeypatch.setenv("MADOGUCHI_SECRET", KEY.decode())
    token = tokens.issue("A1001", minutes=5)

    async def run():
        monkeypatch.setattr(guard, "_verify_token",
                            lambda t, exists=None: (tokens.verify(t, exists=lambda _: True), time.time() + 300))
        return await guard.secure_metadata({"token": token, "account_id": "A1002", "x": 1}, "conv-1")

    metadata = asyncio.run(run())
    assert set(metadata) == {"token"} and token not in str(metadata)
    assert claims.check_claim(metadata["token"], "conv-1", time.time()) == "A1001"
    bad = asyncio.run(guard.secure_metadata({"token": "forged.token.value"}, "conv-1"))
    assert bad == {"token": claims.CLAIM_REJECTED}
    assert asyncio.run(guard.secure_metadata({"token": 123}, "c")) == {"token": claims.CLAIM_REJECTED}
    assert asyncio.run(guard.secure_metadata(None, "c")) == {}


# ---------------------------------------------------------------------------- masking
def test_log_records_are_masked(caplog, monkeypatch):
    from bot.identity import tokens

    monkeypatch.setenv("MADOGUCHI_SECRET", KEY.decode())
    logs.install()
    token = tokens.issue("A1001", minutes=5)
    claim = claims.issue_claim("A1001", "conv-1", time.time() + 60)
    with caplog.at_level(logging.INFO):
        logging.getLogger("madoguchi.test").info(
            "token=%s claim %s tel 090-1234-5678 reply 山田 太郎様のご契約 %s secret %s",
            token, claim, {"name": "佐藤 花子", "phone": "080-0000-1002"}, KEY.decode())
    text = caplog.text
    for secret in (token, claim, "090-1234-5678", "山田 太郎", "佐藤 花子", "080-0000-1002", KEY.decode()):
        assert secret not in text, secret
    assert "お客様" in masking.mask("お客様のご契約")


# ---------------------------------------------------------------------------- repeats
def test_every_faq_topic_and_service_button_is_allowed():
    from bot.faq import catalog
    from bot.support import contacts

    keys = list(catalog.load())
    assert len(keys) > 20
    for key in keys:
        payload = f'/choose_faq{{"faq_topic":"{key}"}}'
        assert guard.button_payload(payload) == payload
    for service in contacts.SERVICES:
        payload = f'/choose_service{{"service":"{service}"}}'
        assert guard.button_payload(payload) == payload
