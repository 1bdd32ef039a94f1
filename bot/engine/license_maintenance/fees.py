"""ライセンス保守: what renewing, rejoining and adding licences cost.

Fees are rounded down to the yen (decision) and are 税別 like the licence price.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Optional

from bot.engine.calendar import add_months, business_days_before
from bot.engine.license_maintenance.contract import LicenseMaintenanceContract
from bot.engine.format import jdate, pct
from bot.engine.license_maintenance.deadlines import PAYMENT_BUSINESS_DAYS
from bot.engine.license_maintenance.term import (
    ResidualValueResult,
    maintenance_end,
    maintenance_status,
    residual_value,
)
from bot.engine.money import Price, tax_was_rounded
from bot.engine.result import Result, policy

RENEWAL_PERCENT = 20

# ---- the rules, as customers read them (general answers and computed ones share these) -----------
TAX_NOTE = policy("消費税(10%)の1円未満は切り捨てています。")
RENEWAL_RULE = ("購入から1年でライセンス残存価値が80%となるため、満了前に20%の更新料をお支払いいただくと"
                "満了日から1年間保守が延長されます。更新のお申し込みはメールで、満了の1か月ほど前にご案内をお送りします。"
                "お支払いは現金先払いで、納品ご希望日の3営業日前までにご入金ください。"
                "ご入金確認後、新しいライセンスキーと新しいライセンス会員IDをメールでお送りします。")
REJOIN_RULE = ("再加入では、再加入日のライセンス残存価値を100%にする差額(購入時ライセンス料−残存価値)を"
               "お支払いいただき、その日から1年間保守が受けられます。")
ADD_RULE = ("ライセンス追加時は、追加ライセンス料に加えて既存ライセンスの残存価値を100%にする差額を"
            "お支払いいただき、追加分を含めたすべてのライセンスがその日から1年間保守を受けられます。")


def _tax_note(fee: Price) -> str:
    """The rounding of the tax is stated only when a fee actually had a fraction of a yen dropped."""
    return TAX_NOTE if tax_was_rounded(fee) else ""


def _two_decimals(value: Fraction) -> Decimal:
    """What the customer pays, as shown: 28⅓ % → 28.33 (never a rounder figure than the one charged)."""
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def _top_up(contract: LicenseMaintenanceContract, on: date, licenses: int) -> tuple[ResidualValueResult, int]:
    """(100 − R)% × price × licences with R exact (17 months: 28⅓ %), rounded down to the yen."""
    residual = residual_value(contract, on)
    missing = Fraction(100) - residual.exact
    amount = int(contract.unit_price * licenses * missing / 100)  # int() floors positives
    return residual, amount


def _top_up_rule(rule: str, residual: ResidualValueResult, fee: Price) -> str:
    """A fee that tops the residual value up to 100 % states its rule, how R is counted, and the tax rounding."""
    return rule + residual.rule + _tax_note(fee)


@dataclass(frozen=True, kw_only=True)
class _Offer(Result):
    """A fee the customer may or may not be able to pay today: when not, the rule (why not) is the reply."""

    possible: bool

    def describe(self) -> str:
        return self._offer() if self.possible else self.rule

    def _offer(self) -> str:
        raise NotImplementedError


@dataclass(frozen=True, kw_only=True)
class RenewalResult(_Offer):
    """On-time renewal, possible only before expiry."""

    fee: Optional[Price]        # 20 % × price × licences
    licenses: int
    new_start: Optional[date]
    new_last_day: Optional[date]
    notice_around: Optional[date]  # the renewal notice e-mail arrives about 1 month before expiry
    payment_deadline: Optional[date]  # to have the key delivered on new_start

    def _offer(self) -> str:
        return (
            f"更新料は{self.fee.both}({self.licenses}ライセンス分)で、"
            f"{jdate(self.new_start)}から{jdate(self.new_last_day)}まで保守が延長されます。{self.rule}"
        )


def renewal_fee(contract: LicenseMaintenanceContract, today: date) -> RenewalResult:
    """On-time renewal (before expiry): 20 % of the price per licence, one more year from the expiry date."""
    status = maintenance_status(contract, today)
    if not status.active:
        return RenewalResult(
            possible=False, fee=None, licenses=contract.licenses, new_start=None, new_last_day=None,
            notice_around=None, payment_deadline=None,
            rule=f"保守期間は{jdate(status.last_day)}で満了しているため通常の更新はできません。"
            "再加入のお手続きとなります。",
        )
    fee = Price.from_excl(contract.unit_price * contract.licenses * RENEWAL_PERCENT // 100)
    new_start = status.last_day          # one more year from the expiry date
    return RenewalResult(
        possible=True,
        fee=fee,
        licenses=contract.licenses,
        new_start=new_start,
        new_last_day=maintenance_end(new_start),
        notice_around=add_months(new_start, -1),
        payment_deadline=business_days_before(new_start, PAYMENT_BUSINESS_DAYS),
        rule=RENEWAL_RULE + _tax_note(fee),
    )


@dataclass(frozen=True, kw_only=True)
class RejoinResult(_Offer):
    residual_percent: Decimal   # R(d)
    pay_percent: Decimal        # 100 − R(d)
    fee: Optional[Price]
    licenses: int
    new_start: date
    new_last_day: Optional[date]

    def _offer(self) -> str:
        return (
            f"{jdate(self.new_start)}に再加入される場合、残存価値{pct(self.residual_percent)}%のため"
            f"ライセンス料の{pct(self.pay_percent)}%、{self.fee.both}({self.licenses}ライセンス分)をお支払いいただき、"
            f"{jdate(self.new_last_day)}まで保守が受けられます。{self.rule}"
        )


def rejoin_fee(contract: LicenseMaintenanceContract, today: date) -> RejoinResult:
    """Rejoin after a lapse on `today`: pay the gap to 100 % of the price; 1 year from today."""
    status = maintenance_status(contract, today)
    residual, amount = _top_up(contract, today, contract.licenses)
    pay = _two_decimals(Fraction(100) - residual.exact)
    if status.active:
        return RejoinResult(
            possible=False, residual_percent=residual.percent, pay_percent=pay, fee=None,
            licenses=contract.licenses, new_start=today, new_last_day=None,
            rule=f"保守期間中({jdate(status.last_day)}まで)のため再加入の必要はありません。通常の更新をご利用ください。",
        )
    fee = Price.from_excl(amount)
    return RejoinResult(
        possible=True, residual_percent=residual.percent, pay_percent=pay, fee=fee, licenses=contract.licenses,
        new_start=today, new_last_day=maintenance_end(today), rule=_top_up_rule(REJOIN_RULE, residual, fee),
    )


@dataclass(frozen=True, kw_only=True)
class AddLicensesResult(_Offer):
    added: int
    existing: int
    residual_percent: Decimal
    new_licenses_price: Optional[Price]   # price of the added licences
    top_up: Optional[Price]               # (100 − R)% × price × existing licences
    total: Optional[Price]
    new_last_day: Optional[date]          # all licences run 1 year from today

    def _offer(self) -> str:
        return (
            f"{self.added}ライセンス追加の費用は、追加ライセンス料{self.new_licenses_price.quoted}と"
            f"既存{self.existing}ライセンスの差額{self.top_up.quoted}(残存価値{pct(self.residual_percent)}%)の"
            f"合計{self.total.both}です。追加分を含め{jdate(self.new_last_day)}まで保守が受けられます。{self.rule}"
        )


def add_licenses_fee(contract: LicenseMaintenanceContract, today: date, added: int) -> AddLicensesResult:
    """Adding licences during maintenance: new licences + top-up of the existing ones to 100 %."""
    if added < 1:
        raise ValueError("added must be >= 1")
    status = maintenance_status(contract, today)
    residual, top_up = _top_up(contract, today, contract.licenses)
    if not status.active:
        return AddLicensesResult(
            possible=False, added=added, existing=contract.licenses, residual_percent=residual.percent,
            new_licenses_price=None, top_up=None, total=None, new_last_day=None,
            rule=f"保守期間が{jdate(status.last_day)}で満了しているため、保守期間中のライセンス追加の計算は"
            "できません。先に再加入のお手続きが必要です。",
        )
    new_price = contract.unit_price * added
    total = Price.from_excl(new_price + top_up)
    return AddLicensesResult(
        possible=True, added=added, existing=contract.licenses, residual_percent=residual.percent,
        new_licenses_price=Price.from_excl(new_price), top_up=Price.from_excl(top_up), total=total,
        new_last_day=maintenance_end(today), rule=_top_up_rule(ADD_RULE, residual, total),
    )
