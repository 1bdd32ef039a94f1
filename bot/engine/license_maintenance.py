"""ライセンス保守 (seed 001, ConnectWise Control licences): every business rule of the service.

Residual value R(d), as a percentage of the purchase price, measured from the last maintenance
start S (purchase, renewal or rejoin): falls 20 % a year. Operator's decision: count whole elapsed
months m between S and d, R = max(0, 100 − m × 20/12). Fees are rounded down to the yen (decision)
and are 税別 like the licence price.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Optional

from bot.engine.calendar import (
    add_months,
    business_days_after,
    business_days_before,
    whole_months_between,
)
from bot.engine.contracts import LicenseMaintenanceContract
from bot.engine.format import jdate
from bot.engine.money import Price, tax_was_rounded
from bot.engine.result import Result, policy

DEPRECIATION_PER_YEAR = 20        # percent of the price
RENEWAL_PERCENT = 20
MAINTENANCE_MONTHS = 12
TAX_NOTE = policy("消費税(10%)の1円未満は切り捨てています。")
BUSINESS_DAY_NOTE = policy("営業日は土日・祝日(振替休日を含む)を除く平日とし、年末年始の特別休業は設けていません。")
PAYMENT_BUSINESS_DAYS = 3         # cash in advance, 3 営業日 before delivery / reservation
MAIL_SUPPORT_BUSINESS_DAYS = 2    # mail support starts 2 営業日 after acceptance at the earliest
TECHNICIAN_NOTICE_BUSINESS_DAYS = 2

# ---- the rules, as customers read them (general answers and computed ones share these) -----------
STATUS_RULE = ("ライセンス保守はご購入(または更新・再加入)の日から1年間有効です。更新しない場合は満了日の翌日から"
               "会員IDが無効となり、アップデートやメールサポートはご利用いただけません(ソフトウェアはそのまま使えます)。")
REJOIN_RULE = ("再加入では、再加入日のライセンス残存価値を100%にする差額(購入時ライセンス料−残存価値)を"
               "お支払いいただき、その日から1年間保守が受けられます。")
ADD_RULE = ("ライセンス追加時は、追加ライセンス料に加えて既存ライセンスの残存価値を100%にする差額を"
            "お支払いいただき、追加分を含めたすべてのライセンスがその日から1年間保守を受けられます。")
INCIDENT_RULE = ("インシデントの有効期限は購入日から1年間です。1コールが30分を超える場合は別コールとして扱います。"
                 "ご予約はメールのみで、お電話では受け付けていません。")
MAIL_SUPPORT_RULE = "メールサポートは受付完了後、2営業日以降からの対応となります。混雑時は回答までお時間をいただく場合があります。"
TECHNICAL_SERVICE_RULE = ("テクニカル・サービスはご購入者様限定で、ご予約日の3営業日前までにご入金が確認できない場合、"
                          "お申し込みは無効となります。テクニカル担当者からはご提供の2営業日前までに確認事項をメールでお送りします。")


def _residual_fraction(start: date, d: date) -> tuple[int, Fraction]:
    months = whole_months_between(start, d)
    value = Fraction(100) - Fraction(months * DEPRECIATION_PER_YEAR, 12)
    return months, max(Fraction(0), value)


def _one_decimal(value: Fraction) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _two_decimals(value: Fraction) -> Decimal:
    """What the customer pays, as shown: 28⅓ % → 28.33 (never a rounder figure than the one charged)."""
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def _pct(value: Decimal) -> str:
    """Decimal('70.0') -> '70', Decimal('88.3') -> '88.3'."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def maintenance_end(start: date) -> date:
    """The expiry date (満了日), the last day covered by a year of maintenance started on `start`.

    Seed 001: below 80 % there is no maintenance; on the anniversary R is exactly 80 %, so that day
    is still covered (decision: the anniversary is the expiry date; the member ID lapses the day after)."""
    return add_months(start, MAINTENANCE_MONTHS)


@dataclass(frozen=True, kw_only=True)
class ResidualValueResult(Result):
    since: date                 # last maintenance start S
    on: date
    months_elapsed: int
    percent: Decimal            # R rounded to one decimal
    exact: Fraction             # R exactly (used for fees)

    def describe(self) -> str:
        return (
            f"{jdate(self.since)}の保守開始から{self.months_elapsed}か月経過しているため、"
            f"{jdate(self.on)}時点のライセンス残存価値は{_pct(self.percent)}%です。{self.rule}"
        )


def residual_value(contract: LicenseMaintenanceContract, on: date) -> ResidualValueResult:
    months, exact = _residual_fraction(contract.maintenance_start, on)
    return ResidualValueResult(
        since=contract.maintenance_start,
        on=on,
        months_elapsed=months,
        percent=_one_decimal(exact),
        exact=exact,
        rule=policy(
            "ライセンス残存価値は保守開始日(購入・更新・再加入日)から1年で20%(6か月で10%)下がるものとし、"
            "1か月未満を切り捨てた経過月数で計算しています。"
        ),
    )


@dataclass(frozen=True, kw_only=True)
class MaintenanceStatusResult(Result):
    active: bool
    start: date
    last_day: date              # last covered day (満了日)
    invalid_from: date          # the member ID is invalid from this day when not renewed

    def describe(self) -> str:
        if self.active:
            return f"保守期間中です({jdate(self.start)}～{jdate(self.last_day)})。{self.rule}"
        return f"保守期間は{jdate(self.last_day)}で満了し、{jdate(self.invalid_from)}から会員IDが無効となっています。{self.rule}"


def maintenance_status(contract: LicenseMaintenanceContract, today: date) -> MaintenanceStatusResult:
    """Active (1 year from the last maintenance start) or lapsed."""
    start = contract.maintenance_start
    last_day = maintenance_end(start)
    # A renewal paid in advance starts on the old expiry date, so a start in the future is active too.
    active = today <= last_day
    if active:
        rule = (
            "保守期間中は製品のアップグレード・アップデート、日本語リソース、メールサポート、"
            "オンラインヘルプ&サポートWEBをご利用いただけます。保守の初年度は必須で、"
            "保守契約数はライセンス数と同数です。"
        )
    else:
        rule = (
            "更新されなかったため、満了日の翌日から会員IDが無効となり、アップグレード・アップデート、"
            "メールサポート、オンラインヘルプ&サポートWEBはご利用いただけません。"
            "ソフトウェアは引き続きお使いいただけます。再加入も可能です。"
        )
    return MaintenanceStatusResult(
        active=active, start=start, last_day=last_day, invalid_from=last_day + timedelta(days=1), rule=rule
    )


@dataclass(frozen=True, kw_only=True)
class RenewalResult(Result):
    possible: bool              # on-time renewal only before expiry
    fee: Optional[Price]        # 20 % × price × licences
    licenses: int
    new_start: Optional[date]
    new_last_day: Optional[date]
    notice_around: Optional[date]  # the renewal notice e-mail arrives about 1 month before expiry
    payment_deadline: Optional[date]  # to have the key delivered on new_start

    def describe(self) -> str:
        if not self.possible:
            return self.rule
        return (
            f"更新料は{self.fee.both}({self.licenses}ライセンス分)で、"
            f"{jdate(self.new_start)}から{jdate(self.new_last_day)}まで保守が延長されます。{self.rule}"
        )


def renewal_fee(contract: LicenseMaintenanceContract, today: date) -> RenewalResult:
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
        rule="購入から1年でライセンス残存価値が80%となるため、満了前に20%の更新料をお支払いいただくと"
        "満了日から1年間保守が延長されます。更新のお申し込みはメールで、満了の1か月ほど前にご案内をお送りします。"
        "お支払いは現金先払いで、納品ご希望日の3営業日前までにご入金ください。"
        "ご入金確認後、新しいライセンスキーと新しいライセンス会員IDをメールでお送りします。"
        + (TAX_NOTE if tax_was_rounded(fee) else ""),
    )


@dataclass(frozen=True, kw_only=True)
class RejoinResult(Result):
    possible: bool
    residual_percent: Decimal   # R(d)
    pay_percent: Decimal        # 100 − R(d)
    fee: Optional[Price]
    licenses: int
    new_start: date
    new_last_day: Optional[date]

    def describe(self) -> str:
        if not self.possible:
            return self.rule
        return (
            f"{jdate(self.new_start)}に再加入される場合、残存価値{_pct(self.residual_percent)}%のため"
            f"ライセンス料の{_pct(self.pay_percent)}%、{self.fee.both}({self.licenses}ライセンス分)をお支払いいただき、"
            f"{jdate(self.new_last_day)}まで保守が受けられます。{self.rule}"
        )


def _top_up(contract: LicenseMaintenanceContract, on: date, licenses: int) -> tuple[ResidualValueResult, int]:
    """(100 − R)% × price × licences with R exact (17 months: 28⅓ %), rounded down to the yen."""
    residual = residual_value(contract, on)
    missing = Fraction(100) - residual.exact
    amount = int(contract.unit_price * licenses * missing / 100)  # int() floors positives
    return residual, amount


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
        possible=True,
        residual_percent=residual.percent,
        pay_percent=pay,
        fee=fee,
        licenses=contract.licenses,
        new_start=today,
        new_last_day=maintenance_end(today),
        rule=REJOIN_RULE + residual.rule
        + (TAX_NOTE if tax_was_rounded(fee) else ""),
    )


@dataclass(frozen=True, kw_only=True)
class AddLicensesResult(Result):
    possible: bool
    added: int
    existing: int
    residual_percent: Decimal
    new_licenses_price: Optional[Price]   # price of the added licences
    top_up: Optional[Price]               # (100 − R)% × price × existing licences
    total: Optional[Price]
    new_last_day: Optional[date]          # all licences run 1 year from today

    def describe(self) -> str:
        if not self.possible:
            return self.rule
        return (
            f"{self.added}ライセンス追加の費用は、追加ライセンス料{self.new_licenses_price.quoted}と"
            f"既存{self.existing}ライセンスの差額{self.top_up.quoted}(残存価値{_pct(self.residual_percent)}%)の"
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
        possible=True,
        added=added,
        existing=contract.licenses,
        residual_percent=residual.percent,
        new_licenses_price=Price.from_excl(new_price),
        top_up=Price.from_excl(top_up),
        total=total,
        new_last_day=maintenance_end(today),
        rule=ADD_RULE + residual.rule
        + (TAX_NOTE if tax_was_rounded(total) else ""),
    )


@dataclass(frozen=True, kw_only=True)
class DeadlineResult(Result):
    reference: date             # the date the deadline is counted from
    deadline: date
    business_days: int

    def describe(self) -> str:
        return f"{jdate(self.deadline)}です。{self.rule}"


# The rule as customers read it when no delivery date is chosen yet (the account answers).
PAYMENT_RULE = (f"お支払いは現金先払いで、納品ご希望日の{PAYMENT_BUSINESS_DAYS}営業日前(土日祝日を除く)までに"
                "指定口座へご入金ください。")


def payment_deadline(delivery: date) -> DeadlineResult:
    """Cash in advance must arrive 3 business days before the desired delivery date."""
    return DeadlineResult(
        reference=delivery,
        deadline=business_days_before(delivery, PAYMENT_BUSINESS_DAYS),
        business_days=PAYMENT_BUSINESS_DAYS,
        rule=f"お支払いは現金先払いで、納品ご希望日({jdate(delivery)})の3営業日前までに指定口座へのご入金が必要です。"
        + BUSINESS_DAY_NOTE,
    )


def earliest_delivery(today: date) -> date:
    """The first delivery date whose payment deadline (3 business days before) is not yet past."""
    delivery = today + timedelta(days=1)
    while business_days_before(delivery, PAYMENT_BUSINESS_DAYS) < today:
        delivery += timedelta(days=1)
    return delivery


def technical_service_payment_deadline(reserved: date) -> DeadlineResult:
    """Payment must be confirmed 3 business days before the reserved date or the booking is void."""
    return DeadlineResult(
        reference=reserved,
        deadline=business_days_before(reserved, PAYMENT_BUSINESS_DAYS),
        business_days=PAYMENT_BUSINESS_DAYS,
        rule=f"テクニカル・サービスはご予約日({jdate(reserved)})の3営業日前までにご入金が確認できない場合、"
        "お申し込みは無効となります。テクニカル担当者からはご提供の2営業日前までに確認事項をメールでお送りします。"
        + BUSINESS_DAY_NOTE,
    )


def technician_notice_date(reserved: date) -> DeadlineResult:
    return DeadlineResult(
        reference=reserved,
        deadline=business_days_before(reserved, TECHNICIAN_NOTICE_BUSINESS_DAYS),
        business_days=TECHNICIAN_NOTICE_BUSINESS_DAYS,
        rule="テクニカル担当者から、サービスご提供の2営業日前までに作業前の確認事項をメールでご連絡します。" + BUSINESS_DAY_NOTE,
    )


def mail_support_start(accepted: date) -> DeadlineResult:
    """Mail support answers from 2 business days after acceptance at the earliest."""
    return DeadlineResult(
        reference=accepted,
        deadline=business_days_after(accepted, MAIL_SUPPORT_BUSINESS_DAYS),
        business_days=MAIL_SUPPORT_BUSINESS_DAYS,
        rule=MAIL_SUPPORT_RULE + BUSINESS_DAY_NOTE,
    )


@dataclass(frozen=True, kw_only=True)
class IncidentStatus:
    purchased: date
    valid_until: date
    remaining: int
    usable: bool


@dataclass(frozen=True, kw_only=True)
class IncidentsResult(Result):
    packs: tuple[IncidentStatus, ...]
    usable_remaining: int

    def describe(self) -> str:
        if not self.packs:
            return f"インシデントのご購入はありません。{self.rule}"
        parts = "、".join(
            f"{jdate(p.purchased)}購入分 残り{p.remaining}回({jdate(p.valid_until)}まで有効"
            f"{'' if p.usable else '・期限切れ'})"
            for p in self.packs
        )
        return f"{parts}。ご利用いただける残り回数は{self.usable_remaining}回です。{self.rule}"


def incidents(contract: LicenseMaintenanceContract, today: date) -> IncidentsResult:
    packs = []
    for pack in contract.incidents:
        valid_until = maintenance_end(pack.purchased)   # "1 year from" reads the same as for maintenance
        usable = today <= valid_until and pack.remaining > 0
        packs.append(IncidentStatus(purchased=pack.purchased, valid_until=valid_until,
                                    remaining=pack.remaining, usable=usable))
    return IncidentsResult(
        packs=tuple(packs),
        usable_remaining=sum(p.remaining for p in packs if p.usable),
        rule=INCIDENT_RULE,
    )
