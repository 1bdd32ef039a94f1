"""電話代行 (seed 004): every business rule of the service.

10-day free trial, once per customer, not for event or recruiting-period use. No cancellation
penalty is ever charged. Each lent number is either a forwarding target or a display number;
an extra number costs 1,100円/月(税込).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import Enum
from typing import Optional, Sequence

from bot.engine.calendar import whole_months_between
from bot.engine.contracts import Service, valid
from bot.engine.format import jdate
from bot.engine.money import ZERO, Price
from bot.engine.result import Result

TRIAL_DAYS = 10
EXTRA_NUMBER_FEE = Price.from_incl(1100)
INCLUDED_NUMBERS = 1   # the plan's fee covers one lent number


class NumberUse(str, Enum):
    FORWARD = "forward"
    DISPLAY = "display"


@dataclass(frozen=True)
class LentNumber:
    number: str = field(metadata=valid(once_per_file="lent"))   # a number is lent to one contract
    use: NumberUse


@dataclass(frozen=True)
class PhoneAnsweringContract:
    contract_no: str
    start: Optional[date]               # None: starts when the number is notified
    base_fee: int                       # 税込, the plan's monthly fee
    numbers: tuple[LentNumber, ...] = ()
    trial_used: bool = False
    service: Service = field(default=Service.PHONE_ANSWERING, init=False)


CONTRACT = PhoneAnsweringContract


@dataclass(frozen=True, kw_only=True)
class TrialResult(Result):
    eligible: bool
    trial_start: Optional[date] = None
    trial_last_day: Optional[date] = None

    def describe(self) -> str:
        if self.eligible:
            return f"無料お試しをご利用いただけます({jdate(self.trial_start)}～{jdate(self.trial_last_day)}の10日間)。{self.rule}"
        return f"無料お試しはご利用いただけません。{self.rule}"


TRIAL_RULE = "無料お試しは10日間、お一人様(1社)1回限りで、期間内にご利用を終了されれば料金は一切かかりません。"
TRIAL_PURPOSES_EXCLUDED = ("event", "recruiting")


def trial(contracts: Sequence[PhoneAnsweringContract], today: date, purpose: Optional[str] = None) -> TrialResult:
    """無料お試し: 10 days from `today`, for customers considering the service for the first time.

    `contracts` are all of the customer's 電話代行 contracts (past or present): a trial already used,
    or any formal contract, rules it out (once per customer). `purpose` is "event" or "recruiting"
    when the customer said so: the trial is not for those.
    """
    if isinstance(contracts, PhoneAnsweringContract):   # one contract given: the customer's only one
        contracts = (contracts,)
    contracts = tuple(c for c in (contracts or ()) if c is not None)
    if any(c.trial_used for c in contracts):
        return TrialResult(eligible=False, rule=f"無料お試しはすでにご利用済みです。{TRIAL_RULE}")
    if contracts:
        return TrialResult(
            eligible=False,
            rule="無料お試しは初めて電話代行をご検討のお客様が、正式契約の前にご判断いただくためのものです。"
            f"すでに正式契約(契約番号{contracts[0].contract_no})をお持ちのため、ご利用いただけません。{TRIAL_RULE}",
        )
    if purpose in TRIAL_PURPOSES_EXCLUDED:
        return TrialResult(
            eligible=False,
            rule="イベントや求人広告の時期に合わせたご利用の場合は無料お試しの対象外のため、最初から正式契約でのお申し込みをお願いします。",
        )
    return TrialResult(
        eligible=True, trial_start=today, trial_last_day=today + timedelta(days=TRIAL_DAYS - 1),
        rule=TRIAL_RULE + "イベントや求人広告の時期に合わせたご利用は対象外です。",
    )


@dataclass(frozen=True, kw_only=True)
class MonthlyFeeResult(Result):
    base_fee: Price
    numbers: int
    extra_numbers: int
    extra_fee: Price
    total: Price

    def describe(self) -> str:
        if self.numbers == 0:
            return f"月額料金は基本料金{self.total.quoted}です(現在お貸し出し中の番号はありません)。{self.rule}"
        if self.extra_numbers:
            return (
                f"月額料金は基本料金{self.base_fee.quoted}に追加番号{self.extra_numbers}件分"
                f"{self.extra_fee.quoted}を加えた{self.total.quoted}です。{self.rule}"
            )
        return f"月額料金は{self.total.quoted}です。{self.rule}"


NUMBER_RULE = (
    "お貸し出しする電話番号1つは転送先番号か表記利用のどちらか一方でのご利用となり、"
    "番号を追加する場合は1番号につき月額1,100円(税込)が加算されます(転送利用・表記利用とも同額です)。"
)


FEE_RULE = "電話代行の月額はご契約プランの基本料金に、2件目以降のお貸し出し番号1件につき1,100円(税込)が加算されます。"
CANCEL_RULE = ("お申し込み時に3か月以上のご利用を想定いただいていますが、3か月未満でご解約されても"
               "違約金や追加料金をご請求したことはありません。電話転送の解除はお客様ご自身で行ってください"
               "(当社では転送設定を行いません)。")
START_RULE = ("ご利用開始日は明確な日付でご指定ください。日付のご指定がない場合は、手続き完了後に電話番号をお知らせした"
              "時点からご利用開始となります。")


def _fee(contract: PhoneAnsweringContract, numbers: int) -> MonthlyFeeResult:
    extra = max(0, numbers - INCLUDED_NUMBERS)
    base = Price.from_incl(contract.base_fee)
    extra_fee = EXTRA_NUMBER_FEE.times(extra) if extra else ZERO
    return MonthlyFeeResult(
        base_fee=base, numbers=numbers, extra_numbers=extra, extra_fee=extra_fee,
        total=Price.from_incl(base.incl + extra_fee.incl), rule=NUMBER_RULE,
    )


def monthly_fee(contract: PhoneAnsweringContract, today: date) -> MonthlyFeeResult:
    """The plan's fee plus 1,100円(税込) per lent number beyond the first (none lent: the plan's fee)."""
    return _fee(contract, len(contract.numbers))


def add_numbers_fee(contract: PhoneAnsweringContract, today: date, added: int) -> MonthlyFeeResult:
    """Monthly fee after lending `added` more numbers (the first number is in the plan's fee)."""
    if added < 1:
        raise ValueError("added must be >= 1")
    return _fee(contract, len(contract.numbers) + added)


@dataclass(frozen=True, kw_only=True)
class NumberUseResult(Result):
    number: str
    use: Optional[NumberUse]
    can_forward: bool
    can_display: bool

    def describe(self) -> str:
        return self.rule


def number_use(contract: PhoneAnsweringContract, number: str) -> NumberUseResult:
    """Which use a lent number has; it can never be both forwarding target and display number."""
    lent = next((n for n in contract.numbers if n.number == number), None)
    if lent is None:
        return NumberUseResult(number=number, use=None, can_forward=False, can_display=False,
                               rule=f"{number}はお貸し出し中の番号ではありません。")
    if lent.use == NumberUse.FORWARD:
        text = f"{number}は転送先番号としてご利用中のため、表記利用はできません。"
    else:
        text = f"{number}は表記利用でご利用中のため、電話転送でのご利用はできません。"
    carrier = ""
    if number.startswith("03"):
        carrier = "03番号はNTT東日本の光回線です。"
    elif number.startswith("050"):
        carrier = "050番号はNTTコミュニケーションズの電話回線です。"
    return NumberUseResult(
        number=number, use=lent.use,
        can_forward=lent.use == NumberUse.FORWARD, can_display=lent.use == NumberUse.DISPLAY,
        rule=text + "併用をご希望の場合は利用方法を変更いただくか、番号を追加してください。" + NUMBER_RULE + carrier,
    )


@dataclass(frozen=True, kw_only=True)
class CancellationResult(Result):
    applied: date
    penalty: int
    months_used: Optional[int]

    def describe(self) -> str:
        return f"解約の違約金はかかりません。{self.rule}"


def cancellation(contract: PhoneAnsweringContract, today: date) -> CancellationResult:
    """No cancellation penalty, ever (3 months of use is expected, not enforced)."""
    months = None
    if contract.start is not None and contract.start <= today:
        months = whole_months_between(contract.start, today)   # whole elapsed months: 08-31 → 11-20 is 2
    return CancellationResult(
        applied=today, penalty=0, months_used=months,
        rule=CANCEL_RULE,
    )


@dataclass(frozen=True, kw_only=True)
class StartDateResult(Result):
    start: Optional[date]       # None: starts when the number is notified

    def describe(self) -> str:
        if self.start is not None:
            return f"ご利用開始日は{jdate(self.start)}です。{self.rule}"
        return self.rule


def start_date(contract: PhoneAnsweringContract) -> StartDateResult:
    """The start date the customer chose; without one, the service starts when the number is notified."""
    return StartDateResult(start=contract.start, rule=START_RULE)


@dataclass(frozen=True, kw_only=True)
class ContractScopeResult(Result):
    pass


CONTRACT_SCOPE_RULE = ("1契約は1法人または1個人事業体が原則で、他社宛の電話はお受けできません。"
                       "他社と同じ電話番号を共用される場合は特認扱いでのご利用となります。")


def contract_scope() -> ContractScopeResult:
    """Who one contract covers (the same for every customer: the FAQ answers it)."""
    return ContractScopeResult(rule=CONTRACT_SCOPE_RULE)
