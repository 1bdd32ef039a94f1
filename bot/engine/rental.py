"""レンタル端末/SIM (seed 003, マイページ): every business rule of the service.

Applications are made on マイページ only. Plan changes and 安心サポート changes are accepted on the
1st–15th. A cancellation applied by the 15th ends at the end of the month; from the 16th it ends at
the end of next month (operator's decision, from the deadline). Nothing is accepted on the 25th
(settlement day) for cancellations and card changes.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Optional

from bot.engine.calendar import (
    add_months,
    month_end,
    month_start,
    next_month_start,
    period_last_day,
    whole_months_between,
)
from bot.engine.contracts import ANSHIN_NAMES, PAYMENT_NAMES, Anshin, Course, Payment, RentalContract
from bot.engine.format import jdate
from bot.engine.money import Price
from bot.engine.result import Result, policy

CHANGE_LAST_DAY = 15          # plan / 安心サポート changes: 1st–15th
CANCEL_DEADLINE_DAY = 15      # cancellation deadline for the end of the current month
SETTLEMENT_DAY = 25           # no cancellation and no card change on this day
DEPOCOMI_MONTHS = 12
PLAN_CHANGE_FEE = Price.from_excl(1500)
LEGACY_CUTOFF = date(2019, 10, 31)
# Seed 003 gives the loss/theft cover for 安心サポートPremium only; it says nothing of one for Premium for SIM.
THEFT_COVER_KINDS = (Anshin.PREMIUM,)
THEFT_COVER_DELAY_MONTHS = 2


# ---- the rules, as customers read them (general answers and computed ones share these) -----------
GENERAL_CANCEL_RULE = (
    "レンタル端末/SIMの解約はマイページから端末ごとに申請します。15日までの申請は当月末、16日以降の申請は"
    "翌月末での解約となり(当社の運用方針)、毎月25日は申請できません。"
)
GENERAL_REFUND_RULE = (
    "デポコミ(12か月のデポジットコミット)期間を満了せずに解約・プラン変更された場合、デポジットはご返金できません。"
    "おまとめコースの残り期間分もご返金できません。"
)
PAYMENT_CHANGE_RULE = (
    "お支払い方法は、コンビニ払い(atone)・請求書払い(NP)からクレジットカード払いへの変更のみ承っています。"
    "クレジットカード払いから他のお支払い方法へは変更できません。"
)
RECEIPT_RULE = "領収証はクレジットカード払いの場合のみ、マイページ「ダウンロード」>『領収証』から発行できます。"
CARD_CHANGE_RULE = (
    "クレジットカード情報はマイページ「ご契約者情報変更」>『お支払い方法の変更』から変更できます"
    "(毎月25日の決済日を除く)。2019年10月31日以前にお申し込みのご契約はマイページ上部の専用ページからお手続きください。"
)


# ---- refunds (shared by cancellation and plan change) -------------------------------------

@dataclass(frozen=True, kw_only=True)
class RefundResult(Result):
    """What happens to prepaid money when the contract ends on `end`."""

    course: Course
    end: date
    deposit_refunded: Optional[bool]     # デポコミ only
    depocomi_completes_on: Optional[date]
    omatome_months_forfeited: int        # おまとめ months left unused (never refunded)

    def describe(self) -> str:
        return self.rule


def refunds(contract: RentalContract, end: date) -> RefundResult:
    """Deposit (デポコミ) and おまとめ refunds for a contract ending on `end`."""
    if contract.course == Course.DEPOCOMI:
        completes = period_last_day(contract.course_start, DEPOCOMI_MONTHS)
        refunded = end >= completes
        rule = policy(
            f"デポコミ期間(12か月、{jdate(contract.course_start)}～{jdate(completes)})を満了しているかは"
            "ご契約の終了日で判断します。"
        )
        if refunded:
            rule = "デポコミ期間(12か月)を満了しているため、デポジットはご返金の対象です。" + rule
        else:
            rule = "デポコミ期間(12か月)に満たないため、デポジットはご返金できません。" + rule
        return RefundResult(course=contract.course, end=end, deposit_refunded=refunded,
                            depocomi_completes_on=completes, omatome_months_forfeited=0, rule=rule)
    if contract.course == Course.OMATOME:
        months = contract.omatome_months or 0
        paid_through = period_last_day(contract.course_start, months)
        left = whole_months_between(end + timedelta(days=1), paid_through + timedelta(days=1)) if end < paid_through else 0
        if left:
            rule = f"おまとめ期間が{left}か月残っていますが、残りの期間分の月額料金はご返金できません。"
        else:
            rule = "おまとめ期間の残りはありません。"
        return RefundResult(course=contract.course, end=end, deposit_refunded=None, depocomi_completes_on=None,
                            omatome_months_forfeited=left, rule=rule)
    return RefundResult(course=contract.course, end=end, deposit_refunded=None, depocomi_completes_on=None,
                        omatome_months_forfeited=0, rule="通常コースのため、デポジットやおまとめ料金の精算はありません。")


# ---- cancellation ---------------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class CancellationResult(Result):
    accepted: bool                       # False on the 25th
    applied: date
    end: Optional[date]                  # contract end when applied today
    next_possible: Optional[date]        # when refused today
    end_if_next_possible: Optional[date]
    refunds: Optional[RefundResult]

    def describe(self) -> str:
        if not self.accepted:
            return (
                f"{jdate(self.applied)}は解約申請を受け付けられません。{jdate(self.next_possible)}以降に"
                f"お申し込みいただくと{jdate(self.end_if_next_possible)}でのご解約となります。{self.rule}"
            )
        text = f"{jdate(self.applied)}にマイページから解約を申請されると、{jdate(self.end)}でのご解約となります。{self.rule}"
        if self.refunds is not None and self.refunds.course != Course.STANDARD:
            text += self.refunds.rule
        return text


CANCEL_NOTES = "解約はマイページから端末ごとに申請してください(お電話・メールでは受け付けていません)。解約申請の取り消しはできません。"


def _end_for_application(applied: date) -> date:
    if applied.day <= CANCEL_DEADLINE_DAY:
        return month_end(applied)
    return month_end(next_month_start(applied))


def cancellation_end_date(contract: RentalContract, today: date) -> CancellationResult:
    """End date of a cancellation applied today (15th deadline; refused on the 25th)."""
    if today.day == SETTLEMENT_DAY:
        retry = today + timedelta(days=1)
        return CancellationResult(
            accepted=False, applied=today, end=None, next_possible=retry,
            end_if_next_possible=_end_for_application(retry), refunds=None,
            rule="毎月25日は決済日のため解約申請が行えません。" + CANCEL_NOTES,
        )
    end = _end_for_application(today)
    if today.day <= CANCEL_DEADLINE_DAY:
        rule = "15日までのお申し込みのため当月末で解約となります。"
    else:
        rule = policy("当月末での解約の締め切りは15日のため、16日以降のお申し込みは翌月末での解約となります。")
    return CancellationResult(
        accepted=True, applied=today, end=end, next_possible=None, end_if_next_possible=None,
        refunds=refunds(contract, end), rule=rule + CANCEL_NOTES,
    )


# ---- plan change ----------------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class PlanChangeResult(Result):
    possible: bool
    applied: date
    effective: Optional[date]            # the new plan starts (1st of next month)
    old_plan_end: Optional[date]
    fee: Price                           # 1,500円(税別)
    next_possible: Optional[date]
    refunds: Optional[RefundResult]

    def describe(self) -> str:
        if not self.possible:
            return (f"{jdate(self.applied)}はプラン変更を受け付けられません。次は{jdate(self.next_possible)}～"
                    f"{jdate(self.next_possible.replace(day=CHANGE_LAST_DAY))}にお申し込みいただけます。{self.rule}")
        text = (
            f"{jdate(self.applied)}にお申し込みいただくと、新しいプランは{jdate(self.effective)}から適用されます。"
            f"プラン変更手数料は{self.fee.both}です。{self.rule}"
        )
        if self.refunds is not None and self.refunds.course != Course.STANDARD:
            text += self.refunds.rule
        return text


PLAN_CHANGE_NOTES = (
    "プラン変更は旧プランの解約と新プランの新規お申し込み(翌月利用)を同時に行うもので、"
    "旧プランの料金や機器の引き継ぎはできず、レンタル機器は必ずご返却いただきます。"
    "申請後の取り消しや内容の変更はできません。"
)


def plan_change(contract: RentalContract, today: date) -> PlanChangeResult:
    """Plan change: 1st–15th via マイページ, takes effect next month, fee 1,500円(税別)."""
    if today.day > CHANGE_LAST_DAY:
        return PlanChangeResult(
            possible=False, applied=today, effective=None, old_plan_end=None, fee=PLAN_CHANGE_FEE,
            next_possible=next_month_start(today), refunds=None,
            rule="プラン変更は毎月1日～15日にマイページの『プラン変更』から受け付けています。" + PLAN_CHANGE_NOTES,
        )
    old_end = month_end(today)
    return PlanChangeResult(
        possible=True, applied=today, effective=next_month_start(today), old_plan_end=old_end,
        fee=PLAN_CHANGE_FEE, next_possible=None, refunds=refunds(contract, old_end),
        rule="プラン変更は毎月1日～15日にマイページから受け付け、翌月から適用されます。" + PLAN_CHANGE_NOTES,
    )


# ---- 安心サポート -------------------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class TheftCoverResult(Result):
    covered_plan: bool                   # 安心サポートPremium (the only plan the seed gives the cover for)
    use_began: Optional[date]
    cover_starts: Optional[date]

    def describe(self) -> str:
        if self.cover_starts is None:
            return self.rule
        return f"紛失・盗難の補償は{jdate(self.cover_starts)}から開始されます。{self.rule}"


THEFT_RULE = "安心サポートPremiumの紛失・盗難の補償のみ、利用開始月から2か月経過後に補償を開始します。"


def _cover_start(use_began: date) -> date:
    return add_months(month_start(use_began), THEFT_COVER_DELAY_MONTHS)


def premium_theft_cover_start(contract: RentalContract) -> TheftCoverResult:
    """Premium's loss/theft cover starts 2 months after the month its use began."""
    if contract.anshin not in THEFT_COVER_KINDS or contract.anshin_start is None:
        return TheftCoverResult(covered_plan=False, use_began=None, cover_starts=None,
                                rule=f"ご契約の安心サポートは「{ANSHIN_NAMES[contract.anshin]}」です。"
                                "紛失・盗難の補償(利用開始月から2か月経過後に開始)のご案内は安心サポートPremiumのみで、"
                                "ご契約のプランについての補償のご案内はございません。詳しくは窓口へお問い合わせください。")
    return TheftCoverResult(covered_plan=True, use_began=contract.anshin_start,
                            cover_starts=_cover_start(contract.anshin_start), rule=THEFT_RULE)


@dataclass(frozen=True, kw_only=True)
class AnshinChangeResult(Result):
    applied: date
    possible: bool
    current: Anshin
    requested: Anshin
    removal: bool
    effective: Optional[date]            # change: 1st of next month; removal: last day of this month
    next_possible: Optional[date]        # None when it will never be possible (change already used)
    theft_cover_starts: Optional[date]   # when switching to Premium

    def describe(self) -> str:
        if not self.possible:
            when = (f"次は{jdate(self.next_possible)}～{jdate(self.next_possible.replace(day=CHANGE_LAST_DAY))}に"
                    "お申し込みいただけます。" if self.next_possible else "")
            return f"{jdate(self.applied)}は{ANSHIN_NAMES[self.requested] if not self.removal else '安心サポートの解除'}のお手続きはできません。{when}{self.rule}"
        if self.removal:
            return f"{jdate(self.applied)}にお申し込みいただくと、{jdate(self.effective)}で解除となります。{self.rule}"
        text = f"{jdate(self.applied)}にお申し込みいただくと、{jdate(self.effective)}から{ANSHIN_NAMES[self.requested]}が適用されます。{self.rule}"
        if self.theft_cover_starts:
            text += f"紛失・盗難の補償は{jdate(self.theft_cover_starts)}から開始されます。"
        return text


ANSHIN_RULE = (
    "安心サポートの変更・解除は毎月1日～15日にマイページの『安心サポート確認・変更』から受け付け、"
    "変更は申請月の翌月から適用、解除は申請月の当月末となります。変更・解除は1契約につき1回までです。"
)


def default_anshin_target(current: Anshin) -> Anshin:
    """The change a customer who names no target can make: to 安心サポート, or Premium if already on it."""
    return Anshin.STANDARD if current != Anshin.STANDARD else Anshin.PREMIUM


def anshin_change(contract: RentalContract, today: date, requested: Anshin) -> AnshinChangeResult:
    """Change (or remove, requested=NONE) 安心サポート: 1st–15th, once per contract."""
    removal = requested == Anshin.NONE
    common = dict(applied=today, current=contract.anshin, requested=requested, removal=removal)
    if contract.anshin_changes_used >= 1:
        return AnshinChangeResult(possible=False, effective=None, next_possible=None, theft_cover_starts=None,
                                  rule="このご契約ではすでに安心サポートの変更・解除を1回ご利用済みです。" + ANSHIN_RULE, **common)
    if requested == contract.anshin:
        already = "安心サポートのご契約はありません。" if removal else f"すでに{ANSHIN_NAMES[requested]}をご契約中です。"
        return AnshinChangeResult(possible=False, effective=None, next_possible=None, theft_cover_starts=None,
                                  rule=already, **common)
    if today.day > CHANGE_LAST_DAY:
        return AnshinChangeResult(possible=False, effective=None, next_possible=next_month_start(today),
                                  theft_cover_starts=None, rule=ANSHIN_RULE, **common)
    if removal:
        return AnshinChangeResult(possible=True, effective=month_end(today), next_possible=None,
                                  theft_cover_starts=None, rule=ANSHIN_RULE, **common)
    effective = next_month_start(today)
    cover = _cover_start(effective) if requested in THEFT_COVER_KINDS else None
    return AnshinChangeResult(possible=True, effective=effective, next_possible=None, theft_cover_starts=cover,
                              rule=ANSHIN_RULE + (THEFT_RULE if cover else ""), **common)


# ---- this month's bill ------------------------------------------------------------------------

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
                                       rule="おまとめコースの期間分はお申し込み時にまとめてお支払いいただいています。")
    return MonthlyChargeResult(year=on.year, month=on.month, fee=fee, billed=fee,
                               rule="ご契約プランの月額料金です。プラン変更などの手数料がある場合は別途加算されます。")


# ---- payment --------------------------------------------------------------------------------

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
    return PaymentChangeResult(
        possible=True,
        rule="コンビニ払い(atone)・請求書払い(NP)からクレジットカード払いへは、マイページ「ご契約者情報変更」>"
        "『お支払い方法の変更』から変更できます。" + legacy_note(contract),
        **base)


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
                                rule="毎月25日は決済日のため、クレジットカード情報の変更が行えません。")
    return CardChangeResult(
        applied=today, possible=True, next_possible=None,
        rule="クレジットカード情報はマイページ「ご契約者情報変更」>『お支払い方法の変更』から変更できます"
        "(毎月25日を除く)。有効期限やセキュリティコードが変わった場合も変更が必要です。" + legacy_note(contract))


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
        return ReceiptResult(available=True, rule="クレジットカード払いのため、マイページ「ダウンロード」>『領収証』から発行できます。")
    return ReceiptResult(
        available=False,
        rule="領収証の発行はクレジットカード払いに限られます。コンビニ払い・請求書払いの場合は請求書やお振込みのお控えをご利用ください。")
