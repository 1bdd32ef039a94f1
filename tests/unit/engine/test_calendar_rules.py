"""Business-day calendar and month arithmetic (domain-rules.md, general conventions)."""
from datetime import date

import pytest

from bot.engine.calendar import (
    add_months,
    business_days_after,
    business_days_before,
    is_business_day,
    next_business_day,
    period_last_day,
    whole_months_between,
)


# Worked examples first.
def test_worked_example_three_business_days_before_monday_nov_30():
    assert business_days_before(date(2026, 11, 30), 3) == date(2026, 11, 25)


def test_worked_example_three_business_days_before_nov_26_skips_labour_thanksgiving_day():
    assert not is_business_day(date(2026, 11, 23))  # 勤労感謝の日, a Monday
    assert business_days_before(date(2026, 11, 26), 3) == date(2026, 11, 20)


def test_worked_example_month_end_clamp():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)


@pytest.mark.parametrize(
    "start, months, expected",
    [
        (date(2024, 1, 31), 1, date(2024, 2, 29)),    # leap year
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2024, 2, 29), 48, date(2028, 2, 29)),
        (date(2026, 3, 31), 1, date(2026, 4, 30)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),   # year boundary
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2026, 5, 20), 0, date(2026, 5, 20)),
    ],
)
def test_add_months(start, months, expected):
    assert add_months(start, months) == expected


@pytest.mark.parametrize(
    "start, end, months",
    [
        (date(2025, 5, 20), date(2026, 11, 20), 18),
        (date(2025, 5, 20), date(2026, 11, 19), 17),
        (date(2026, 1, 31), date(2026, 2, 28), 1),    # month end counts as a whole month
        (date(2026, 1, 31), date(2026, 2, 27), 0),
        (date(2024, 2, 29), date(2025, 2, 28), 12),
        (date(2026, 5, 20), date(2026, 5, 1), 0),     # end before start
    ],
)
def test_whole_months_between(start, end, months):
    assert whole_months_between(start, end) == months


@pytest.mark.parametrize(
    "start, months, last",
    [
        (date(2025, 5, 20), 12, date(2026, 5, 19)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),   # no corresponding day: month end
        (date(2023, 3, 1), 12, date(2024, 2, 29)),    # the day before 2024-03-01, a leap year
        (date(2026, 1, 1), 12, date(2026, 12, 31)),
    ],
)
def test_period_last_day(start, months, last):
    assert period_last_day(start, months) == last


def test_holidays_next_to_weekends():
    # Golden Week 2026: Sun 5/3, Mon 5/4, Tue 5/5, Wed 5/6 (振替休日 for Sunday 5/3).
    for day in (2, 3, 4, 5, 6):
        assert not is_business_day(date(2026, 5, day))
    assert business_days_after(date(2026, 5, 1), 1) == date(2026, 5, 7)
    assert business_days_before(date(2026, 5, 7), 1) == date(2026, 5, 1)
    # Silver Week 2026: Mon 9/21 敬老の日, Tue 9/22 国民の休日, Wed 9/23 秋分の日.
    assert business_days_before(date(2026, 9, 24), 1) == date(2026, 9, 18)
    assert next_business_day(date(2026, 9, 19)) == date(2026, 9, 24)


def test_no_year_end_closure_by_decision():
    assert is_business_day(date(2026, 12, 29))
    assert is_business_day(date(2026, 12, 31))
    assert not is_business_day(date(2027, 1, 1))
    assert business_days_after(date(2026, 12, 31), 1) == date(2027, 1, 4)


def test_zero_steps_is_the_day_itself():
    assert business_days_before(date(2026, 11, 21), 0) == date(2026, 11, 21)
    with pytest.raises(ValueError):
        business_days_before(date(2026, 11, 21), -1)
