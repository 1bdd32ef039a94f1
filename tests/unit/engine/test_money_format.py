"""Tax at 10 % rounded down (decision) and yen / date formatting."""
from datetime import date

from bot.engine.format import jdate, jdate_w, jmonth
from bot.engine.money import Price, tax_on, tax_within, with_tax, yen


def test_worked_example_plan_change_fee_both_figures():
    fee = Price.from_excl(1500)
    assert (fee.excl, fee.incl) == (1500, 1650)
    assert fee.both == "1,500円(税別) = 1,650円(税込)"
    assert fee.quoted == "1,500円(税別)"


def test_yen_thousands_separator():
    assert yen(1650) == "1,650円"
    assert yen(0) == "0円"
    assert yen(1234567) == "1,234,567円"


def test_tax_rounds_down():
    assert tax_on(999) == 99          # 99.9 -> 99
    assert with_tax(999) == 1098
    assert tax_within(550) == 50
    assert tax_within(3980) == 361    # 361.8 -> 361


def test_tax_included_price_keeps_its_figure():
    price = Price.from_incl(550)
    assert (price.incl, price.excl) == (550, 500)
    assert price.quoted == "550円(税込)"
    assert price.times(2).incl == 1100


def test_dates():
    assert jdate(date(2026, 11, 30)) == "2026年11月30日"
    assert jdate_w(date(2026, 11, 30)) == "2026年11月30日(月)"
    assert jmonth(2026, 11) == "2026年11月"


def test_results_serialise_to_plain_json():
    import json

    from bot.engine import rental
    from bot.engine.rental import Course, Payment, RentalContract

    contract = RentalContract("RT-1", "端末", "プラン", 3980, Course.DEPOCOMI, date(2026, 1, 1), date(2025, 12, 25),
                              Payment.CARD)
    data = rental.plan_change(contract, date(2026, 11, 2)).to_dict()
    json.dumps(data, ensure_ascii=False)
    assert data["effective"] == "2026-12-01"
    assert data["fee"] == {"excl": 1500, "incl": 1650, "basis": "税別"}
    assert data["refunds"]["course"] == "depocomi"
    assert data["text"].startswith("2026年11月2日にお申し込みいただくと")  # the application day it used
