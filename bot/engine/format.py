"""Japanese renderings of dates and money for chat replies."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from bot.engine.money import Price, yen

WEEKDAYS = "月火水木金土日"

__all__ = ["jdate", "jdate_w", "jmonth", "pct", "yen", "price_both", "price_quoted"]


def jdate(d: date) -> str:
    """date(2026, 11, 30) -> '2026年11月30日'."""
    return f"{d.year}年{d.month}月{d.day}日"


def jdate_w(d: date) -> str:
    """With the weekday: '2026年11月30日(月)'."""
    return f"{jdate(d)}({WEEKDAYS[d.weekday()]})"


def jmonth(year: int, month: int) -> str:
    return f"{year}年{month}月"


def pct(value: Decimal) -> str:
    """Decimal('70.0') -> '70', Decimal('88.3') -> '88.3' (no trailing zeros)."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def price_both(price: Price) -> str:
    return price.both


def price_quoted(price: Price) -> str:
    return price.quoted
