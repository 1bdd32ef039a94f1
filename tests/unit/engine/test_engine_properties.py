"""Property tests (hypothesis) for the invariants of the engine."""
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.engine import license_maintenance as cw
from bot.engine import remote_support as rs
from bot.engine import rental
from bot.engine.calendar import add_months, business_days_after, business_days_before, is_business_day
from bot.engine.license_maintenance import LicenseMaintenanceContract
from bot.engine.remote_support import RemoteSupportContract
from bot.engine.rental import Course, Payment, RentalContract

days = st.dates(min_value=date(2019, 1, 1), max_value=date(2035, 12, 31))


@settings(max_examples=200, deadline=None)
@given(start=days, a=st.integers(0, 4000), b=st.integers(0, 4000))
def test_residual_value_never_rises_and_stays_within_0_and_100(start, a, b):
    contract = LicenseMaintenanceContract("CW", start, 1, 100000, start)
    early, late = sorted((a, b))
    r_early = cw.residual_value(contract, start + timedelta(days=early))
    r_late = cw.residual_value(contract, start + timedelta(days=late))
    assert r_late.exact <= r_early.exact
    assert 0 <= r_late.exact <= 100 and 0 <= r_late.percent <= 100


@settings(max_examples=200, deadline=None)
@given(course_start=days, applied=days)
def test_a_rental_cancellation_never_ends_before_it_was_applied_for(course_start, applied):
    contract = RentalContract("RT", "端末", "プラン", 1000, Course.DEPOCOMI, course_start, course_start, Payment.CARD)
    result = rental.cancellation_end_date(contract, applied)
    if result.accepted:
        assert result.end >= applied
    else:
        assert applied.day == 25 and result.next_possible > applied and result.end_if_next_possible > applied


@settings(max_examples=100, deadline=None)
@given(start=days, applied=days)
def test_a_remote_support_cancellation_never_ends_before_it_was_applied_for(start, applied):
    result = rs.cancellation_end_date(RemoteSupportContract("RS", start), applied)
    assert result.end >= applied


@settings(max_examples=150, deadline=None)
@given(d=days, n=st.integers(1, 15))
def test_business_day_stepping_lands_on_a_business_day(d, n):
    before, after = business_days_before(d, n), business_days_after(d, n)
    assert is_business_day(before) and before < d
    assert is_business_day(after) and after > d
    between = [before + timedelta(days=i) for i in range(1, (d - before).days)]
    assert sum(is_business_day(x) for x in between) == n - 1


@given(d=days, months=st.integers(-60, 60))
def test_add_months_keeps_the_day_or_clamps_to_month_end(d, months):
    result = add_months(d, months)
    assert (result.year * 12 + result.month) - (d.year * 12 + d.month) == months
    assert result.day == d.day or (result.day < d.day and (result + timedelta(days=1)).day == 1)
