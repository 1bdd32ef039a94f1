"""リモートサポート (seed 000): every business rule of the service.

550円/月(税込), unlimited use; a month in which the contract is active at all is charged in full
(mid-month start and mid-month cancellation alike); no minimum term, no penalty.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Optional

from bot.engine.calendar import month_end, month_start, months_in_range
from bot.engine.contracts import Account, Service, valid
from bot.engine.format import jdate, jmonth
from bot.engine.money import ZERO, Price
from bot.engine.result import Result

MONTHLY_FEE = Price.from_incl(550)
CONTACT_PHONE = "0957-22-1193"
HOURS = "午前9時～午後9時(土日祝日も営業)"


@dataclass(frozen=True)
class RemoteSupportContract:
    contract_no: str
    start: date
    end: Optional[date] = field(default=None, metadata=valid(not_before="start"))  # cancellation date, None while active
    service: Service = field(default=Service.REMOTE_SUPPORT, init=False)

    def active_on(self, d: date) -> bool:
        return self.start <= d and (self.end is None or d <= self.end)


CONTRACT = RemoteSupportContract


@dataclass(frozen=True, kw_only=True)
class EligibilityResult(Result):
    eligible: bool
    internet_line: Optional[str]
    existing_contract_no: Optional[str] = None   # already one contract for this line


@dataclass(frozen=True, kw_only=True)
class MonthCharge:
    year: int
    month: int
    amount: Price


@dataclass(frozen=True, kw_only=True)
class ChargeResult(Result):
    """Charges per month over a period; `total` is their sum."""

    months: tuple[MonthCharge, ...]
    total: Price

    def describe(self) -> str:
        lines = "、".join(f"{jmonth(m.year, m.month)}分 {m.amount.quoted}" for m in self.months)
        if not self.months:
            return f"ご請求はありません。{self.rule}"
        return f"{lines}、合計{self.total.quoted}です。{self.rule}"


@dataclass(frozen=True, kw_only=True)
class CancellationResult(Result):
    applied: date
    end: date
    last_charged_month: Optional[tuple[int, int]]   # None: cancelled before the start, nothing billed
    last_month_fee: Price
    penalty: int = 0

    def describe(self) -> str:
        if self.last_charged_month is None:
            return f"{jdate(self.applied)}に解約されると、ご利用開始前のためご請求はありません。{self.rule}"
        y, m = self.last_charged_month
        return (
            f"{jdate(self.applied)}に解約されると{jdate(self.end)}で終了し、"
            f"最終月({jmonth(y, m)})は{self.last_month_fee.quoted}を満額ご請求します。{self.rule}"
        )


OTHER_PROVIDER_RULE = ("リモートサポートは当社インターネットをご利用のお客様向けのサービスのため、"
                       "他社のインターネット回線をご利用の場合はご利用いただけません。")


def eligibility(account: Account, today: date) -> EligibilityResult:
    """Can this account use リモートサポート? Needs our cable-internet line; one contract per line."""
    if not account.internet_line:
        return EligibilityResult(
            eligible=False,
            internet_line=None,
            rule=OTHER_PROVIDER_RULE,
        )
    for contract in account.of_service(Service.REMOTE_SUPPORT):
        if contract.active_on(today) or contract.start > today:
            return EligibilityResult(
                eligible=True,
                internet_line=account.internet_line,
                existing_contract_no=contract.contract_no,
                rule=f"回線{account.internet_line}にはすでにリモートサポート(契約番号{contract.contract_no})"
                "のご契約があります。ケーブルインターネット1回線につきリモートサポートは1契約です。",
            )
    return EligibilityResult(
        eligible=True,
        internet_line=account.internet_line,
        rule=f"当社インターネット回線({account.internet_line})をご利用のため、お申し込みいただけます"
        f"(月額{MONTHLY_FEE.quoted}、お申し込みは{CONTACT_PHONE}、サポートは{HOURS})。"
        "ご利用時はパソコン等がインターネットに接続されている必要があります。",
    )


def _charges(contract: RemoteSupportContract, first: date, last: date) -> tuple[MonthCharge, ...]:
    """Full monthly fee for every month of first..last in which the contract is active."""
    charges = []
    for year, month in months_in_range(first, last):
        start = date(year, month, 1)
        end = month_end(start)
        active = contract.start <= end and (contract.end is None or contract.end >= start)
        if active:
            charges.append(MonthCharge(year=year, month=month, amount=MONTHLY_FEE))
    return tuple(charges)


def _total(charges: tuple[MonthCharge, ...]) -> Price:
    return MONTHLY_FEE.times(len(charges)) if charges else ZERO


FULL_MONTH_RULE = (
    "月額利用料550円(税込)は、月の途中のお申し込みでも初月満額、"
    "月の途中の解約でも最終月満額のご請求となります(日割りはありません)。"
)


def monthly_charge(contract: RemoteSupportContract, today: date) -> ChargeResult:
    """This month's charge (full-month rule)."""
    charges = _charges(contract, month_start(today), month_end(today))
    return ChargeResult(months=charges, total=_total(charges), rule=FULL_MONTH_RULE)


def charges_to_date(contract: RemoteSupportContract, today: date) -> ChargeResult:
    """Every month charged from the start up to today (a cancellation scheduled later is not billed yet)."""
    last = min(contract.end, today) if contract.end is not None else today
    charges = _charges(contract, contract.start, month_end(last)) if last >= contract.start else ()
    return ChargeResult(months=charges, total=_total(charges), rule=FULL_MONTH_RULE)


CANCEL_RULE = ("最低利用期間や解約時の違約金はありません。月の途中の解約でも最終月の月額利用料は満額のご請求です。"
               f"解約のご連絡は{CONTACT_PHONE}へお願いします。解約後の再契約も可能です。")


def cancellation_end_date(contract: RemoteSupportContract, today: date) -> CancellationResult:
    """A cancellation applied on `today` ends that day; the month is still charged in full, no penalty.
    Cancelled before the chosen start date, the contract never ran: nothing is billed."""
    before_start = today < contract.start
    return CancellationResult(
        applied=today,
        end=today,
        last_charged_month=None if before_start else (today.year, today.month),
        last_month_fee=ZERO if before_start else MONTHLY_FEE,
        rule=CANCEL_RULE,
    )
