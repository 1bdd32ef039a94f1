"""Japanese business-day calendar and month arithmetic shared by every service.

営業日 = Monday–Friday that is not a national or substitute holiday (jpholiday).
Operator's decision: there is no extra year-end closure.
"""
from __future__ import annotations

import calendar as _stdlib_calendar
from datetime import date, timedelta

import jpholiday

ONE_DAY = timedelta(days=1)


def is_holiday(d: date) -> bool:
    """National or substitute holiday (振替休日 included)."""
    return jpholiday.is_holiday(d)


def is_business_day(d: date) -> bool:
    return d.weekday() < 5 and not is_holiday(d)


def business_days_before(d: date, n: int) -> date:
    """Step back from `d` one day at a time, counting only business days, `n` times.

    3 business days before Thu 2026-11-26 is Fri 2026-11-20 (Mon 11-23 is 勤労感謝の日).
    """
    if n < 0:
        raise ValueError("n must be >= 0")
    current = d
    for _ in range(n):
        current -= ONE_DAY
        while not is_business_day(current):
            current -= ONE_DAY
    return current


def business_days_after(d: date, n: int) -> date:
    """Step forward from `d`, counting only business days, `n` times."""
    if n < 0:
        raise ValueError("n must be >= 0")
    current = d
    for _ in range(n):
        current += ONE_DAY
        while not is_business_day(current):
            current += ONE_DAY
    return current


def next_business_day(d: date) -> date:
    """`d` itself when it is a business day, otherwise the next one."""
    while not is_business_day(d):
        d += ONE_DAY
    return d


def last_day_of_month(year: int, month: int) -> int:
    return _stdlib_calendar.monthrange(year, month)[1]


def month_end(d: date) -> date:
    return d.replace(day=last_day_of_month(d.year, d.month))


def month_start(d: date) -> date:
    return d.replace(day=1)


def add_months(d: date, months: int) -> date:
    """Calendar months; a day that does not exist becomes the month's last day (decision).

    2026-01-31 + 1 month = 2026-02-28.
    """
    index = d.year * 12 + (d.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(d.day, last_day_of_month(year, month)))


def next_month_start(d: date) -> date:
    return add_months(month_start(d), 1)


def whole_months_between(start: date, end: date) -> int:
    """Whole calendar months elapsed from `start` to `end` (0 when end < one month later).

    Uses add_months, so 2026-01-31 → 2026-02-28 counts as one whole month.
    """
    if end < start:
        return 0
    months = (end.year - start.year) * 12 + (end.month - start.month)
    while months > 0 and add_months(start, months) > end:
        months -= 1
    return months


def months_in_range(first: date, last: date) -> list[tuple[int, int]]:
    """(year, month) pairs touched by the inclusive range first..last."""
    result = []
    current = month_start(first)
    while current <= last:
        result.append((current.year, current.month))
        current = next_month_start(current)
    return result


def period_last_day(start: date, months: int) -> date:
    """Last day of a period of `months` months starting on `start` (the day before the
    corresponding day; when that day does not exist, the month's last day, as in 民法143条).

    2025-05-20 + 12 months -> 2026-05-19; 2024-02-29 + 12 months -> 2025-02-28.
    """
    target = add_months(start, months)
    if target.day != start.day:      # clamped: no corresponding day in that month
        return target
    return target - ONE_DAY
