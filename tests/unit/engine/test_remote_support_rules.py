"""リモートサポート (seed 000)."""
from datetime import date

from bot.engine import remote_support as rs
from bot.engine.contracts import Account
from bot.engine.remote_support import RemoteSupportContract


def test_worked_example_mid_month_start_and_mid_month_cancel_charge_full_months():
    contract = RemoteSupportContract("RS-1", start=date(2026, 11, 20), end=date(2026, 12, 5))
    result = rs.charges_to_date(contract, date(2026, 12, 5))
    assert [(m.year, m.month, m.amount.incl) for m in result.months] == [(2026, 11, 550), (2026, 12, 550)]
    assert result.total.incl == 1100
    assert "1,100円(税込)" in result.describe()
    assert "満額" in result.rule


def _account(line="CATV-1", *contracts):
    return Account(id="A1", name="山田 太郎", phone="090-0000-0000", internet_line=line, contracts=contracts)


def test_other_provider_is_not_eligible():
    result = rs.eligibility(_account(None), date(2026, 11, 21))
    assert not result.eligible
    assert "他社" in result.rule


def test_one_contract_per_line():
    result = rs.eligibility(_account("CATV-1", RemoteSupportContract("RS-1", date(2026, 4, 10))), date(2026, 11, 21))
    assert result.eligible and result.existing_contract_no == "RS-1"


def test_recontract_after_cancellation_is_allowed():
    cancelled = RemoteSupportContract("RS-1", date(2026, 4, 10), end=date(2026, 10, 12))
    result = rs.eligibility(_account("CATV-1", cancelled), date(2026, 11, 21))
    assert result.eligible and result.existing_contract_no is None


def test_this_months_charge_is_full_even_when_starting_on_the_last_day():
    contract = RemoteSupportContract("RS-1", start=date(2026, 11, 30))
    assert rs.monthly_charge(contract, date(2026, 11, 30)).total.incl == 550
    assert rs.monthly_charge(contract, date(2026, 10, 31)).months == ()


def test_month_after_cancellation_is_not_charged():
    contract = RemoteSupportContract("RS-1", start=date(2026, 6, 20), end=date(2026, 10, 12))
    assert rs.monthly_charge(contract, date(2026, 11, 1)).total.incl == 0
    assert rs.charges_to_date(contract, date(2026, 11, 21)).total.incl == 550 * 5  # June..October


def test_cancellation_ends_on_the_day_without_penalty():
    contract = RemoteSupportContract("RS-1", start=date(2026, 4, 10))
    result = rs.cancellation_end_date(contract, date(2026, 11, 21))
    assert result.end == date(2026, 11, 21)
    assert result.penalty == 0
    assert result.last_charged_month == (2026, 11)
    assert "違約金" in result.rule
