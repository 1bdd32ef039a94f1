"""Each rule here was once stated wrongly by the bot (issue "Answers computed for the customer who
asks", "No invented facts"). Expected figures are worked out by hand from
shared/spec/domain-rules.md in the comments."""
from datetime import date, datetime
from decimal import Decimal

from bot.engine import haas
from bot.engine import license_maintenance as cw
from bot.engine import phone_answering as pa
from bot.engine import remote_support as rs
from bot.engine import rental
from bot.engine.license_maintenance import LicenseMaintenanceContract
from bot.engine.phone_answering import LentNumber, NumberUse, PhoneAnsweringContract
from bot.engine.remote_support import RemoteSupportContract
from bot.engine.rental import Anshin, Course, Payment
from bot.support import contacts
from tests.support.contracts import rental_contract


def _pa(**overrides):
    values = dict(contract_no="PA-1", start=date(2026, 8, 31), base_fee=9900, numbers=())
    values.update(overrides)
    return PhoneAnsweringContract(**values)


# ---- レンタル -------------------------------------------------------------------------------

def test_a_prepaid_omatome_month_is_not_billed_again():
    # おまとめ 12 months from 2026-03-01 → paid through 2027-02-28; December 2026 is prepaid.
    omatome = rental_contract(course=Course.OMATOME, omatome_months=12)
    december = rental.monthly_charge(omatome, date(2026, 12, 1))
    assert december.billed is None and december.prepaid_until == date(2027, 2, 28)
    assert "3,980円" not in december.describe()
    # March 2027 is past the prepaid period: the plan's 3,980円(税込) again.
    assert rental.monthly_charge(omatome, date(2027, 3, 1)).billed.incl == 3980


def test_the_standard_course_is_billed_the_plan_fee():
    assert rental.monthly_charge(rental_contract(), date(2026, 12, 1)).billed.incl == 3980


def test_theft_cover_is_given_for_premium_only_not_for_premium_for_sim():
    # Seed 003: 「安心サポートPremium の【紛失/盗難の補償】のみ、利用開始月から2ヶ月経過後に補償を開始」
    premium = rental.premium_theft_cover_start(rental_contract(anshin=Anshin.PREMIUM, anshin_start=date(2026, 9, 10)))
    assert premium.cover_starts == date(2026, 11, 1)   # September + 2 months
    for_sim = rental.premium_theft_cover_start(rental_contract(anshin=Anshin.PREMIUM_SIM, anshin_start=date(2026, 9, 10)))
    assert for_sim.cover_starts is None and not for_sim.covered_plan
    assert "から開始されます" not in for_sim.describe()


def test_switching_to_premium_for_sim_promises_no_theft_cover():
    result = rental.anshin_change(rental_contract(anshin=Anshin.SIM, anshin_start=date(2026, 3, 1)), date(2026, 12, 3),
                                  Anshin.PREMIUM_SIM)
    assert result.possible and result.effective == date(2027, 1, 1)
    assert result.theft_cover_starts is None and "盗難" not in result.describe()


def test_default_targets_when_the_customer_names_none():
    assert rental.default_anshin_target(Anshin.PREMIUM) == Anshin.STANDARD
    assert rental.default_anshin_target(Anshin.STANDARD) == Anshin.PREMIUM
    assert rental.default_payment_target(Payment.KONBINI) == Payment.CARD
    assert rental.default_payment_target(Payment.CARD) != Payment.CARD


# ---- 電話代行 -------------------------------------------------------------------------------

def test_free_trial_is_not_for_a_customer_with_a_formal_contract():
    # Seed 004: the trial is for customers considering the service for the first time.
    result = pa.trial([_pa(trial_used=False)], date(2026, 12, 1))
    assert not result.eligible and "正式契約" in result.rule


def test_free_trial_is_not_for_events_or_recruiting():
    assert not pa.trial([], date(2026, 12, 1), purpose="event").eligible
    assert not pa.trial([], date(2026, 12, 1), purpose="recruiting").eligible
    fresh = pa.trial([], date(2026, 12, 1))
    # 10 days from 12-01: 12-01 … 12-10
    assert fresh.eligible and fresh.trial_last_day == date(2026, 12, 10)


def test_months_since_start_count_whole_elapsed_months():
    # start 08-31 → 10-31 is 2 whole months, 11-30 would be 3: on 11-20 that is 2.
    assert pa.cancellation(_pa(), date(2026, 11, 20)).months_used == 2
    assert pa.cancellation(_pa(), date(2026, 11, 30)).months_used == 3


def test_a_contract_with_no_lent_numbers_does_not_say_one_number():
    fee = pa.monthly_fee(_pa(numbers=()), date(2026, 12, 1))
    assert fee.numbers == 0 and fee.total.incl == 9900
    assert "1件" not in fee.describe()
    # Lending the first number costs nothing extra: it is in the plan's fee.
    assert pa.add_numbers_fee(_pa(numbers=()), date(2026, 12, 1), 1).total.incl == 9900
    # One lent + 2 more: 9,900 + 2 × 1,100 = 12,100円(税込)
    one = (LentNumber("03-0000-0001", NumberUse.FORWARD),)
    assert pa.add_numbers_fee(_pa(numbers=one), date(2026, 12, 1), 2).total.incl == 12100


# ---- リモートサポート -------------------------------------------------------------------------

def test_paid_so_far_counts_only_months_up_to_today():
    # start 2026-06-20, cancellation scheduled for 2027-01-10, asked on 2026-11-20:
    # June..November = 6 × 550 = 3,300円; December and January are not billed yet.
    contract = RemoteSupportContract("RS-1", start=date(2026, 6, 20), end=date(2027, 1, 10))
    assert rs.charges_to_date(contract, date(2026, 11, 20)).total.incl == 3300


def test_cancelling_before_a_future_start_is_not_billed():
    contract = RemoteSupportContract("RS-1", start=date(2027, 1, 10))
    result = rs.cancellation_end_date(contract, date(2026, 12, 20))
    assert result.last_charged_month is None and result.last_month_fee.incl == 0
    assert "550円" not in result.describe().split("。")[0]


# ---- ライセンス保守 ---------------------------------------------------------------------------

def _cw(start=date(2025, 5, 20)):
    return LicenseMaintenanceContract("CW-1", purchased=start, licenses=3, unit_price=120000, maintenance_start=start)


def test_on_the_exact_anniversary_it_is_still_an_on_time_renewal():
    # S=2025-05-20. Seed 001: 「80%を下回ると保守サービスが受けられません」; active 1 year from S (R ≥ 80 %).
    # On 2026-05-20, m = 12 → R = 80 %, not below: the expiry date itself, still a renewal of
    # 20 % × 120,000 × 3 = 72,000円(税別), one more year from the expiry date (to 2027-05-20).
    anniversary = date(2026, 5, 20)
    renewal = cw.renewal_fee(_cw(), anniversary)
    assert renewal.possible and renewal.fee.excl == 72000 and renewal.new_last_day == date(2027, 5, 20)
    assert not cw.rejoin_fee(_cw(), anniversary).possible
    # The day after, it is a rejoin: R(2026-05-21) = 80 % still (12 whole months) → pay 20 % = 72,000円.
    rejoin = cw.rejoin_fee(_cw(), date(2026, 5, 21))
    assert rejoin.possible and rejoin.residual_percent == Decimal("80.0") and rejoin.fee.excl == 72000


def test_the_percentage_shown_is_the_percentage_charged():
    # S=2025-05-20, rejoin on 2026-12-20: m = 19 → R = 100 − 19×20/12 = 68.33…% (shown 68.3 %);
    # pay 31.666…% × 120,000 × 3 = 114,000円(税別) exactly; the reply shows 31.67 %, not a rounder 31.7 %.
    rejoin = cw.rejoin_fee(_cw(), date(2026, 12, 20))
    assert rejoin.residual_percent == Decimal("68.3") and rejoin.pay_percent == Decimal("31.67")
    assert rejoin.fee.excl == 114000
    assert "31.67%" in rejoin.describe() and "31.7%" not in rejoin.describe()


def test_earliest_delivery_whose_payment_deadline_is_still_ahead():
    # Today Mon 2026-11-30: delivery Thu 12-03 → 3 business days before = Mon 11-30 (today).
    assert cw.earliest_delivery(date(2026, 11, 30)) == date(2026, 12, 3)
    # Today Sat 2027-01-09, Mon 01-11 is 成人の日. Delivery Thu 01-14 → Wed 13, Tue 12, Fri 08: past.
    # Delivery Fri 01-15 → Thu 14, Wed 13, Tue 12: still ahead. Earliest: Fri 2027-01-15.
    assert cw.earliest_delivery(date(2027, 1, 9)) == date(2027, 1, 15)


# ---- Linuxmania ----------------------------------------------------------------------------

def test_phone_hours_at_1630_agree_everywhere():
    at_1630 = datetime(2026, 12, 1, 16, 30)     # Tuesday, a business day
    at_1631 = datetime(2026, 12, 1, 16, 31)
    hours = contacts.contact_for("haas").hours
    assert haas.phone_support_hours(at_1630).open_now == hours.is_open(at_1630) is True
    assert haas.phone_support_hours(at_1631).open_now == hours.is_open(at_1631) is False
    assert (hours.open, hours.close) == (haas.SUPPORT_OPENS, haas.SUPPORT_CLOSES)


def test_handson_paid_wording_follows_the_seed():
    assert "その都度のご相談" in haas.HANDSON_RULE


def test_the_25th_fallback_is_the_next_day():
    # Card details cannot be changed on the 25th (settlement day): possible again from the 26th.
    refused = rental.card_change(rental_contract(), date(2026, 12, 25))
    assert not refused.possible and refused.next_possible == date(2026, 12, 26)
    assert rental.card_change(rental_contract(), date(2026, 12, 24)).possible
    # Cancellation on the 25th: from the 26th, after the 15th → end of next month (2027-01-31).
    cancel = rental.cancellation_end_date(rental_contract(), date(2026, 12, 25))
    assert cancel.next_possible == date(2026, 12, 26) and cancel.end_if_next_possible == date(2027, 1, 31)
