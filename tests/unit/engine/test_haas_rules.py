"""Linuxmania HaaS (seed 002)."""
from datetime import date, datetime

from bot.engine import haas
from bot.engine.contracts import Account
from bot.engine.haas import HaasContract


def _contract(purchased=date(2026, 11, 1), used=1):
    return HaasContract("LM-1", product="Linuxmania Desktop", purchased=purchased, warranty_no="W-1", handson_used=used)


def test_worked_example_handson_free_two_left_until_december_1():
    result = haas.handson(_contract(), date(2026, 11, 21))
    assert result.free and result.free_left == 2 and result.free_until == date(2026, 12, 1)
    assert "2026年12月1日" in result.describe()


def test_handson_free_window_boundary():
    assert haas.handson(_contract(), date(2026, 12, 1)).free
    late = haas.handson(_contract(), date(2026, 12, 2))
    assert not late.free and late.free_left == 0
    assert "クレジットカード" in late.rule


def test_handson_exhausted():
    result = haas.handson(_contract(used=3), date(2026, 11, 10))
    assert not result.free and result.free_left == 0
    assert "ご利用済み" in result.rule


def test_handson_month_end_purchase():
    assert haas.handson(_contract(purchased=date(2026, 1, 31)), date(2026, 2, 28)).free
    assert not haas.handson(_contract(purchased=date(2026, 1, 31)), date(2026, 3, 1)).free


def test_only_linuxmania_buyers_are_eligible():
    nobody = Account("A1", "鈴木 一郎", "070-0000-0000", None, ())
    assert not haas.eligibility(nobody, date(2026, 11, 21)).eligible
    buyer = Account("A1", "鈴木 一郎", "070-0000-0000", None, (_contract(),))
    assert haas.eligibility(buyer, date(2026, 11, 21)).eligible


def test_phone_support_weekdays_only_holidays_excluded():
    assert haas.phone_support_hours(datetime(2026, 11, 24, 10, 0)).open_now
    assert haas.phone_support_hours(datetime(2026, 11, 24, 16, 30)).open_now
    assert not haas.phone_support_hours(datetime(2026, 11, 24, 16, 31)).open_now
    holiday = haas.phone_support_hours(datetime(2026, 11, 23, 11, 0))  # 勤労感謝の日
    assert not holiday.open_now and holiday.next_open_day == date(2026, 11, 24)
    assert holiday.is_policy
    early = haas.phone_support_hours(datetime(2026, 11, 24, 9, 0))
    assert not early.open_now and early.next_open_day == date(2026, 11, 24)
