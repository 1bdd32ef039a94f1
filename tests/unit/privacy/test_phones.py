"""bot.privacy.phones: the one phone matcher and the one "last 4 digits" rule, as used by the
account answers, in-chat verification and the fixture validation."""
from __future__ import annotations

import pytest

from bot.privacy import phones
from bot.storage import fixtures


@pytest.mark.parametrize("phone,masked", [("090-1234-5678", "***-****-5678"), ("０３１２３４５６７８", "***-****-5678"),
                                          ("12-3", "***-****-****"), ("", "***-****-****")])
def test_mask_phone(phone, masked):
    assert phones.mask_phone(phone) == masked


@pytest.mark.parametrize("text,digits,last4", [
    ("090-1234-5678", "09012345678", "5678"),
    ("０９０－１２３４－５６７８", "09012345678", "5678"),   # full-width digits and dash (NFKC)
    ("+81 (3) 1234-0001", "81312340001", "0001"),
    ("下4桁は１２３４です", "41234", "1234"),
    ("12-3", "123", None),
    ("", "", None),
])
def test_digits_and_last4(text, digits, last4):
    assert phones.digits(text) == digits
    assert phones.last4(text) == last4


def test_redact_keeps_the_last_4_digits_as_typed_and_leaves_other_numbers():
    assert phones.redact("電話は090-1234-5678、予備は03-9876-5432です") == "電話は***-****-5678、予備は***-****-5432です"
    assert phones.redact("０９０１２３４５６７８") == "***-****-５６７８"
    assert phones.redact("2026-11-20に5500円、RS-0001") == "2026-11-20に5500円、RS-0001"


def test_fixture_phone_needs_4_digits_like_verification():
    account = {"id": "P1", "name": "山田 太郎", "phone": "12-3", "internet_line": None,
               "contracts": [{"service": "remote_support", "contract_no": "RS-0001", "start": "2026-01-01", "end": None}]}
    _, problems = fixtures.parse({"accounts": [account]})
    assert any(p.field == "phone" and "at least 4 digits" in p.message for p in problems), problems
    account["phone"] = "０３－１２３４－５６７８"
    _, problems = fixtures.parse({"accounts": [account]})
    assert not any(p.field == "phone" for p in problems), problems
