"""bot.account_service helpers: parameters from the customer's words, pending questions, labels."""
from __future__ import annotations

import pytest

from bot import account_service as s
from bot.engine.contracts import Anshin, Payment


@pytest.mark.parametrize("text,count", [
    ("ライセンスを1つ追加したら？", 1), ("ライセンスを２つ追加", 2), ("番号を3件追加したら月額は", 3),
    ("ふたつ追加したい", 2), ("二本増やす", 2), ("追加したら？", 1),
])
def test_count_in_text(text, count):
    assert s.count_in_text(text) == count


def test_parse_params():
    assert s.parse_params("安心サポートを解除できる？").anshin == Anshin.NONE
    assert s.parse_params("Premiumに変えられる？").anshin == Anshin.PREMIUM
    assert s.parse_params("支払いをクレカにしたい").payment == Payment.CARD
    assert s.parse_params("契約内容").anshin is None


def test_pending_round_trip_and_unknown_keys():
    params = s.Params(count=2, anshin=Anshin.PREMIUM, payment=Payment.CARD)
    key, back = s.split_pending(f"lm_add_licenses|{params.encode()}")
    assert key == "lm_add_licenses" and back == params
    assert s.split_pending("no_such_question|n=1") == (None, s.Params())
    assert s.split_pending(None) == (None, s.Params())
    assert s.split_pending("rt_cancel_end") == ("rt_cancel_end", s.Params())


def test_every_question_has_a_general_rule_and_title():
    assert len(s.QUESTIONS) >= 20
    for q in s.QUESTIONS.values():
        assert q.general(None) and q.title


def test_apology_names_the_service_contact():
    from bot.engine.contracts import Service

    assert "0957-22-1193" in s.apology(Service.REMOTE_SUPPORT)
    everything = s.apology()
    assert "0957-22-1193" in everything and "customer@linuxmania.jp" in everything
