"""レンタル端末/SIM: the monthly bill, the payment method, card details and receipts.

Only コンビニ払い/請求書払い → card is a possible change; card details cannot be changed on the
25th (settlement day); contracts applied for on or before 2019-10-31 use a separate page.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Optional

from bot.engine.calendar import month_end, period_last_day
from bot.engine.rental.contract import PAYMENT_NAMES, Course, Payment, RentalContract
from bot.engine.format import jdate
from bot.engine.money import Price
from bot.engine.rental.days import SETTLEMENT_DAY
from bot.engine.result import Result

LEGACY_CUTOFF = date(2019, 10, 31)

# ---- the rules, as customers read them (general answers and computed ones share these) -----------
MONTHLY_FEE_RULE = "ご契約プランの月額料金です。プラン変更などの手数料がある場合は別途加算されます。"
OMATOME_PREPAID_RULE = "おまとめコースの期間分はお申し込み時にまとめてお支払いいただいています。"
PAYMENT_CHANGE_RULE = (
    "お支払い方法は、コンビニ払い(atone)・請求書払い(NP)からクレジットカード払いへの変更のみ承っています。"
    "クレジットカード払いから他のお支払い方法へは変更できません。"
)
TO_CARD_RULE = ("コンビニ払い(atone)・請求書払い(NP)からクレジットカード払いへは、マイページ「ご契約者情報変更」>"
                "『お支払い方法の変更』から変更できます。")
RECEIPT_RULE = "領収証はクレジットカード払いの場合のみ、マイページ「ダウンロード」>『領収証』から発行できます。"
CARD_CHANGE_RULE = (
    "クレジットカード情報はマイページ「ご契約者情報変更」>『お支払い方法の変更』から変更できます"
    "(毎月25日の決済日を除く)。2019年10月31日以前にお申し込みのご契約はマイページ上部の専用ページからお手続きください。"
)
CARD_SETTLEMENT_DAY_RULE = "毎月25日は決済日のため、クレジットカード情報の変更が行えません。"
CARD_HOW_RULE = ("クレジットカード情報はマイページ「ご契約者情報変更」>『お支払い方法の変更』から変更できます"
                 "(毎月25日を除く)。有効期限やセキュリティコードが変わった場合も変更が必要です。")
RECEIPT_CARD_RULE = "クレジットカード払いのため、マイページ「ダウンロード」>『領収証』から発行できます。"
RECEIPT_NON_CARD_RULE = ("領収証の発行はクレジットカード払いに限られます。コンビニ払い・請求書払いの場合は"
                         "請求書やお振込みのお控えをご利用ください。")


@dataclass(frozen=True, kw_only=True)
class MonthlyChargeResult(Result):
    year: int
    month: int
    fee: Price                           # the plan's monthly fee
    billed: Optional[Price]              # None: prepaid (おまとめ), nothing billed for this month
    prepaid_until: Optional[date] = None

    def describe(self) -> str:
        if self.billed is None:
            return (f"{self.year}年{self.month}月分の月額料金は、おまとめコースで{jdate(self.prepaid_until)}分まで"
                    f"お支払い済みのため、改めてのご請求はありません。{self.rule}")
        return f"{self.year}年{self.month}月分の月額料金は{self.billed.both}です。{self.rule}"


def monthly_charge(contract: RentalContract, on: date) -> MonthlyChargeResult:
    """The plan's fee for the month of `on`; a month prepaid with おまとめ is not billed again."""
    fee = Price.from_incl(contract.monthly_fee)
    if contract.course == Course.OMATOME and contract.omatome_months:
        paid_through = period_last_day(contract.course_start, contract.omatome_months)
        if contract.course_start <= on and month_end(on) <= month_end(paid_through):
            return MonthlyChargeResult(year=on.year, month=on.month, fee=fee, billed=None, prepaid_until=paid_through,
                                       rule=OMATOME_PREPAID_RULE)
    return MonthlyChargeResult(year=on.year, month=on.month, fee=fee, billed=fee, rule=MONTHLY_FEE_RULE)


@dataclass(frozen=True, kw_only=True)
class PaymentChangeResult(Result):
    possible: bool
    current: Payment
    requested: Payment

    def describe(self) -> str:
        return self.rule


def default_payment_target(current: Payment) -> Payment:
    """The change a customer who names no target asks about: to card, or (from card) away from it."""
    return Payment.CARD if current != Payment.CARD else Payment.INVOICE


def payment_method_change(contract: RentalContract, today: date, requested: Payment) -> PaymentChangeResult:
    """コンビニ払い/請求書払い → card is allowed; card → anything else is not."""
    base = dict(current=contract.payment, requested=requested)
    if requested == contract.payment:
        return PaymentChangeResult(possible=False, rule=f"すでに{PAYMENT_NAMES[requested]}です。", **base)
    if contract.payment == Payment.CARD or requested != Payment.CARD:
        return PaymentChangeResult(possible=False, rule=PAYMENT_CHANGE_RULE, **base)
    return PaymentChangeResult(possible=True, rule=TO_CARD_RULE + legacy_note(contract), **base)


# CardChangeResult has the shape of phone_answering's CancellationResult (a date, a flag, an optional
# date and a describe()), not its logic: the duplicates tool pairs them.
@dataclass(frozen=True, kw_only=True)
class CardChangeResult(Result):
    applied: date
    possible: bool
    next_possible: Optional[date]

    def describe(self) -> str:
        if self.possible:
            return self.rule
        return f"{jdate(self.applied)}はクレジットカード情報を変更できません。{jdate(self.next_possible)}以降に変更いただけます。{self.rule}"


def card_change(contract: RentalContract, today: date) -> CardChangeResult:
    """Card details cannot be changed on the 25th (settlement day)."""
    if today.day == SETTLEMENT_DAY:
        return CardChangeResult(applied=today, possible=False, next_possible=today + timedelta(days=1),
                                rule=CARD_SETTLEMENT_DAY_RULE)
    return CardChangeResult(applied=today, possible=True, next_possible=None,
                            rule=CARD_HOW_RULE + legacy_note(contract))


def legacy_note(contract: RentalContract) -> str:
    """Contracts applied for on or before 2019-10-31 use a separate page."""
    if contract.applied <= LEGACY_CUTOFF:
        return "2019年10月31日以前のお申し込みのため、マイページ上部の専用ページからお手続きください。"
    return ""


@dataclass(frozen=True, kw_only=True)
class ReceiptResult(Result):
    available: bool


def receipt(contract: RentalContract) -> ReceiptResult:
    """領収証 only for card payments, downloadable from マイページ."""
    if contract.payment == Payment.CARD:
        return ReceiptResult(available=True, rule=RECEIPT_CARD_RULE)
    return ReceiptResult(available=False, rule=RECEIPT_NON_CARD_RULE)
