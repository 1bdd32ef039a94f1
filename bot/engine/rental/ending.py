"""レンタル端末/SIM: ending a contract or a plan (cancellation, plan change) and what is refunded.

A cancellation applied by the 15th ends at the end of the month; from the 16th it ends at the end
of next month (operator's decision, from the deadline); none is accepted on the 25th (settlement
day). A plan change ends the old plan at the end of the month. Prepaid money is refunded only for
a completed デポコミ.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Optional

from bot.engine.calendar import month_end, next_month_start, period_last_day, whole_months_between
from bot.engine.rental.contract import Course, RentalContract
from bot.engine.format import jdate
from bot.engine.money import Price
from bot.engine.rental.days import CANCEL_DEADLINE_DAY, CHANGE_LAST_DAY, SETTLEMENT_DAY, _next_window
from bot.engine.result import Result, policy

DEPOCOMI_MONTHS = 12
PLAN_CHANGE_FEE = Price.from_excl(1500)

# ---- the rules, as customers read them (general answers and computed ones share these) -----------
GENERAL_CANCEL_RULE = (
    "レンタル端末/SIMの解約はマイページから端末ごとに申請します。15日までの申請は当月末、16日以降の申請は"
    "翌月末での解約となり(当社の運用方針)、毎月25日は申請できません。"
)
GENERAL_REFUND_RULE = (
    "デポコミ(12か月のデポジットコミット)期間を満了せずに解約・プラン変更された場合、デポジットはご返金できません。"
    "おまとめコースの残り期間分もご返金できません。"
)
STANDARD_COURSE_RULE = "通常コースのため、デポジットやおまとめ料金の精算はありません。"
CANCEL_NOTES = "解約はマイページから端末ごとに申請してください(お電話・メールでは受け付けていません)。解約申請の取り消しはできません。"
PLAN_CHANGE_NOTES = (
    "プラン変更は旧プランの解約と新プランの新規お申し込み(翌月利用)を同時に行うもので、"
    "旧プランの料金や機器の引き継ぎはできず、レンタル機器は必ずご返却いただきます。"
    "申請後の取り消しや内容の変更はできません。"
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
                        omatome_months_forfeited=0, rule=STANDARD_COURSE_RULE)


def _with_refunds(text: str, result: Optional[RefundResult]) -> str:
    """A reply about ending a contract adds what happens to prepaid money (a standard course has none)."""
    if result is not None and result.course != Course.STANDARD:
        return text + result.rule
    return text


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
        return _with_refunds(
            f"{jdate(self.applied)}にマイページから解約を申請されると、{jdate(self.end)}でのご解約となります。{self.rule}",
            self.refunds)


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
            return f"{jdate(self.applied)}はプラン変更を受け付けられません。{_next_window(self.next_possible)}{self.rule}"
        return _with_refunds(
            f"{jdate(self.applied)}にお申し込みいただくと、新しいプランは{jdate(self.effective)}から適用されます。"
            f"プラン変更手数料は{self.fee.both}です。{self.rule}",
            self.refunds)


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
