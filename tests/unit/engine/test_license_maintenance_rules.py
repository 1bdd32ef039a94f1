"""ライセンス保守 (seed 001)."""
from datetime import date
from decimal import Decimal

from bot.engine import license_maintenance as cw
from bot.engine.license_maintenance import IncidentPack, LicenseMaintenanceContract


def _contract(start=date(2025, 5, 20), licenses=3, price=120000, purchased=date(2025, 5, 20), incidents=()):
    return LicenseMaintenanceContract("CW-1", purchased=purchased, licenses=licenses, unit_price=price,
                                      maintenance_start=start, incidents=incidents)


def test_worked_example_rejoin_after_18_months_pays_30_percent():
    result = cw.rejoin_fee(_contract(), date(2026, 11, 20))
    assert result.possible
    assert result.residual_percent == Decimal("70.0")
    assert result.pay_percent == Decimal("30.0")
    assert result.fee.excl == 120000 * 3 * 30 // 100 == 108000
    assert result.fee.incl == 118800
    assert result.new_start == date(2026, 11, 20)
    assert result.new_last_day == date(2027, 11, 20)   # one year from the rejoin day; the anniversary is the expiry date
    assert result.is_policy  # the depreciation rule is the operator's decision


def test_worked_example_adding_a_licence_six_months_after_renewal_pays_10_percent():
    contract = _contract(start=date(2026, 5, 20), licenses=3)
    result = cw.add_licenses_fee(contract, date(2026, 11, 20), 1)
    assert result.possible
    assert result.residual_percent == Decimal("90.0")
    assert result.new_licenses_price.excl == 120000
    assert result.top_up.excl == 120000 * 3 // 10
    assert result.total.excl == 156000 and result.total.incl == 171600
    assert result.new_last_day == date(2027, 11, 20)


def test_renewal_is_20_percent_and_extends_from_expiry():
    result = cw.renewal_fee(_contract(start=date(2026, 5, 20)), date(2026, 11, 20))
    assert result.possible
    assert result.fee.excl == 72000
    assert result.new_start == date(2027, 5, 20)
    assert result.new_last_day == date(2028, 5, 20)      # one more year from the expiry date 2027-05-20
    assert result.payment_deadline == date(2027, 5, 17)  # Thu 5/20 -> Mon 5/17


def test_maintenance_active_for_one_year_then_lapsed():
    # S = 2025-05-20. Seed: below 80 % no maintenance; on the anniversary R = 80 % exactly → still covered,
    # it is the expiry date; from 2026-05-21 the member ID is invalid.
    contract = _contract()
    assert cw.maintenance_status(contract, date(2026, 5, 20)).active
    lapsed = cw.maintenance_status(contract, date(2026, 5, 21))
    assert not lapsed.active and lapsed.invalid_from == date(2026, 5, 21)
    assert not cw.renewal_fee(contract, date(2026, 5, 21)).possible
    assert not cw.rejoin_fee(contract, date(2026, 5, 20)).possible
    assert not cw.add_licenses_fee(contract, date(2026, 11, 20), 1).possible


def test_residual_value_one_decimal_and_floor_at_zero():
    contract = _contract()
    assert cw.residual_value(contract, date(2025, 12, 20)).percent == Decimal("88.3")  # 7 months
    assert cw.residual_value(contract, date(2025, 12, 19)).percent == Decimal("90.0")  # 6 whole months
    assert cw.residual_value(contract, date(2030, 5, 20)).percent == Decimal("0.0")
    assert cw.rejoin_fee(contract, date(2031, 1, 1)).fee.excl == 360000             # the full price


def test_leap_day_start():
    contract = _contract(start=date(2024, 2, 29), purchased=date(2024, 2, 29))
    assert cw.maintenance_status(contract, date(2025, 2, 28)).active
    assert not cw.maintenance_status(contract, date(2025, 3, 1)).active
    assert cw.residual_value(contract, date(2025, 2, 28)).months_elapsed == 12


def test_payment_deadline_three_business_days_before_delivery():
    assert cw.payment_deadline(date(2026, 11, 30)).deadline == date(2026, 11, 25)
    assert cw.payment_deadline(date(2026, 11, 26)).deadline == date(2026, 11, 20)
    assert cw.technical_service_payment_deadline(date(2026, 11, 26)).deadline == date(2026, 11, 20)
    assert cw.technician_notice_date(date(2026, 11, 26)).deadline == date(2026, 11, 24)


def test_mail_support_starts_two_business_days_after_acceptance():
    assert cw.mail_support_start(date(2026, 11, 20)).deadline == date(2026, 11, 25)  # Fri, Mon holiday
    assert cw.mail_support_start(date(2026, 5, 1)).deadline == date(2026, 5, 8)    # Golden Week


def test_incidents_valid_one_year_from_purchase():
    contract = _contract(incidents=(IncidentPack(date(2025, 6, 1), 1), IncidentPack(date(2026, 9, 1), 5)))
    result = cw.incidents(contract, date(2026, 11, 20))
    assert [p.usable for p in result.packs] == [False, True]
    # "valid 1 year from purchase": through the anniversary, read as maintenance's 1 year (2025-06-01 → 2026-06-01)
    assert result.packs[0].valid_until == date(2026, 6, 1)
    assert result.usable_remaining == 5
    assert "メール" in result.rule


def test_tax_rounding_is_stated_as_policy_only_when_it_happened():
    odd = _contract(start=date(2026, 5, 20), licenses=1, price=99999)
    result = cw.renewal_fee(odd, date(2026, 11, 20))
    assert result.fee.excl == 19999 and result.fee.incl == 19999 + 1999
    assert "切り捨て" in result.rule
    assert "切り捨て" not in cw.renewal_fee(_contract(start=date(2026, 5, 20)), date(2026, 11, 20)).rule
    assert cw.payment_deadline(date(2026, 12, 28)).is_policy   # no year-end closure is a decision


def test_renewal_recorded_in_advance_counts_as_active():
    early = _contract(start=date(2027, 5, 20))   # renewed before the 2027-05-20 expiry
    status = cw.maintenance_status(early, date(2026, 12, 1))
    assert status.active and status.last_day == date(2028, 5, 20)
