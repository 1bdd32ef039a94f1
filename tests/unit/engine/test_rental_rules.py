"""レンタル端末/SIM (seed 003)."""
from datetime import date

import pytest

from bot.engine import rental
from bot.engine.rental import Anshin, Course, Payment
from tests.support.contracts import rental_contract


def test_worked_example_cancellation_10th_16th_25th():
    contract = rental_contract()
    assert rental.cancellation_end_date(contract, date(2026, 11, 10)).end == date(2026, 11, 30)
    sixteenth = rental.cancellation_end_date(contract, date(2026, 11, 16))
    assert sixteenth.end == date(2026, 12, 31)
    assert sixteenth.is_policy  # the 16th rule is the operator's decision
    refused = rental.cancellation_end_date(contract, date(2026, 11, 25))
    assert not refused.accepted and refused.end is None
    assert refused.next_possible == date(2026, 11, 26)
    assert refused.end_if_next_possible == date(2026, 12, 31)
    assert "25日" in refused.rule


@pytest.mark.parametrize(
    "applied, end",
    [
        (date(2026, 11, 15), date(2026, 11, 30)),
        (date(2026, 11, 1), date(2026, 11, 30)),
        (date(2026, 12, 16), date(2027, 1, 31)),    # year boundary
        (date(2028, 1, 16), date(2028, 2, 29)),     # leap year
        (date(2027, 1, 31), date(2027, 2, 28)),
        (date(2026, 2, 15), date(2026, 2, 28)),
    ],
)
def test_cancellation_boundaries(applied, end):
    result = rental.cancellation_end_date(rental_contract(), applied)
    assert result.accepted and result.end == end
    if applied.day <= 15:
        assert "15日までのお申し込みのため当月末で解約となります" in result.rule


def test_depocomi_exactly_twelve_months_refunds_the_deposit():
    contract = rental_contract(course=Course.DEPOCOMI, course_start=date(2026, 1, 1))
    complete = rental.cancellation_end_date(contract, date(2026, 11, 16))   # ends 2026-12-31
    assert complete.refunds.deposit_refunded is True
    assert complete.refunds.depocomi_completes_on == date(2026, 12, 31)
    short = rental.cancellation_end_date(contract, date(2026, 11, 15))      # ends 2026-11-30
    assert short.refunds.deposit_refunded is False
    assert "返金できません" in short.describe()


def test_omatome_months_left_are_not_refunded():
    contract = rental_contract(course=Course.OMATOME, course_start=date(2026, 4, 1), omatome_months=12)
    result = rental.cancellation_end_date(contract, date(2026, 11, 10))
    assert result.refunds.omatome_months_forfeited == 4     # Dec..Mar
    done = rental.refunds(contract, date(2027, 3, 31))
    assert done.omatome_months_forfeited == 0


def test_plan_change_only_1st_to_15th_with_fee():
    ok = rental.plan_change(rental_contract(), date(2026, 11, 15))
    assert ok.possible and ok.effective == date(2026, 12, 1)
    assert ok.fee.excl == 1500 and ok.fee.incl == 1650
    assert "返却" in ok.rule
    late = rental.plan_change(rental_contract(), date(2026, 11, 16))
    assert not late.possible and late.next_possible == date(2026, 12, 1)
    dec = rental.plan_change(rental_contract(), date(2026, 12, 31))
    assert dec.next_possible == date(2027, 1, 1)


def test_plan_change_during_depocomi_forfeits_deposit():
    result = rental.plan_change(rental_contract(course=Course.DEPOCOMI, course_start=date(2026, 3, 1)), date(2026, 11, 2))
    assert result.refunds.deposit_refunded is False


def test_anshin_change_and_removal():
    contract = rental_contract(anshin=Anshin.STANDARD, anshin_start=date(2026, 3, 1))
    change = rental.anshin_change(contract, date(2026, 11, 15), Anshin.PREMIUM)
    assert change.possible and change.effective == date(2026, 12, 1)
    assert change.theft_cover_starts == date(2027, 2, 1)
    removal = rental.anshin_change(contract, date(2026, 11, 3), Anshin.NONE)
    assert removal.possible and removal.removal and removal.effective == date(2026, 11, 30)
    late = rental.anshin_change(contract, date(2026, 11, 16), Anshin.PREMIUM)
    assert not late.possible and late.next_possible == date(2026, 12, 1)


def test_anshin_change_only_once_per_contract():
    used = rental_contract(anshin=Anshin.STANDARD, anshin_start=date(2026, 3, 1), anshin_changes_used=1)
    result = rental.anshin_change(used, date(2026, 11, 2), Anshin.NONE)
    assert not result.possible and result.next_possible is None
    assert "1回まで" in result.rule


def test_premium_theft_cover_starts_two_months_after_the_start_month():
    premium = rental_contract(anshin=Anshin.PREMIUM, anshin_start=date(2026, 3, 20))
    assert rental.premium_theft_cover_start(premium).cover_starts == date(2026, 5, 1)
    december = rental_contract(anshin=Anshin.PREMIUM, anshin_start=date(2026, 12, 1))
    assert rental.premium_theft_cover_start(december).cover_starts == date(2027, 2, 1)  # Dec + 2 months
    standard = rental_contract(anshin=Anshin.STANDARD, anshin_start=date(2026, 3, 1))
    assert rental.premium_theft_cover_start(standard).cover_starts is None


def test_payment_method_changes():
    konbini = rental_contract(payment=Payment.KONBINI)
    assert rental.payment_method_change(konbini, date(2026, 11, 2), Payment.CARD).possible
    assert not rental.payment_method_change(konbini, date(2026, 11, 2), Payment.INVOICE).possible
    card = rental_contract(payment=Payment.CARD)
    assert not rental.payment_method_change(card, date(2026, 11, 2), Payment.KONBINI).possible


def test_card_change_not_on_the_25th_and_legacy_page():
    assert not rental.card_change(rental_contract(), date(2026, 11, 25)).possible
    assert rental.card_change(rental_contract(), date(2026, 11, 24)).possible
    legacy = rental.card_change(rental_contract(applied=date(2019, 10, 31)), date(2026, 11, 24))
    assert "専用ページ" in legacy.rule
    assert "専用ページ" not in rental.card_change(rental_contract(applied=date(2019, 11, 1)), date(2026, 11, 24)).rule


def test_receipts_for_card_only():
    assert rental.receipt(rental_contract(payment=Payment.CARD)).available
    assert not rental.receipt(rental_contract(payment=Payment.INVOICE)).available
