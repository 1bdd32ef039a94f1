"""電話代行 (seed 004)."""
from datetime import date

from bot.engine import phone_answering as pa
from bot.engine.phone_answering import LentNumber, NumberUse, PhoneAnsweringContract


def _contract(numbers=(("03-0000-5678", NumberUse.FORWARD),), trial_used=False, start=date(2026, 8, 3)):
    return PhoneAnsweringContract("PA-1", start=start, base_fee=9900,
                                  numbers=tuple(LentNumber(n, u) for n, u in numbers), trial_used=trial_used)


def test_worked_example_free_trial_ten_days_once():
    result = pa.trial(None, date(2026, 11, 21))
    assert result.eligible
    assert (result.trial_start, result.trial_last_day) == (date(2026, 11, 21), date(2026, 11, 30))
    assert not pa.trial(_contract(trial_used=True), date(2026, 11, 21)).eligible
    assert not pa.trial(None, date(2026, 11, 21), purpose="recruiting").eligible


def test_extra_number_costs_1100_yen_including_tax():
    one = pa.monthly_fee(_contract(), date(2026, 11, 21))
    assert one.extra_numbers == 0 and one.total.incl == 9900
    two = pa.monthly_fee(_contract(numbers=(("03-0000-5678", NumberUse.FORWARD),
                                            ("050-0000-1357", NumberUse.DISPLAY))), date(2026, 11, 21))
    assert two.extra_numbers == 1 and two.total.incl == 11000
    assert pa.add_numbers_fee(_contract(), date(2026, 11, 21), 2).total.incl == 9900 + 2200


def test_a_number_is_forwarding_or_display_never_both():
    result = pa.number_use(_contract(), "03-0000-5678")
    assert result.can_forward and not result.can_display
    assert "NTT東日本" in result.rule
    assert pa.number_use(_contract(), "03-9999-9999").use is None


def test_no_cancellation_penalty_ever():
    result = pa.cancellation(_contract(start=date(2026, 10, 1)), date(2026, 11, 21))
    assert result.penalty == 0 and result.months_used == 1
    assert "違約金" in result.rule


def test_start_date_unspecified_starts_on_notification():
    assert pa.start_date(_contract(start=None)).start is None
    assert "電話番号をお知らせした時点" in pa.start_date(_contract(start=None)).describe()
