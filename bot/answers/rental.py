"""レンタル端末/SIM (seed 003): the questions a customer can ask about their own device or SIM."""
from __future__ import annotations

from datetime import date
from typing import cast

from bot.engine import rental as rt
from bot.engine.calendar import month_end
from bot.engine import services
from bot.engine.contracts import Service
from bot.engine.rental import ANSHIN_NAMES, COURSE_NAMES, PAYMENT_NAMES, Anshin, Course, RentalContract
from bot.engine.format import jdate
from bot.engine.money import Price
from bot.answers.question import FUTURE, NO_DATE, Case, Question

CONTRACT = RentalContract
SERVICE = Service.RENTAL
NAME = services.info(SERVICE).name


def _contract(case: Case) -> RentalContract:
    return cast(RentalContract, case.contract)


def label(c: RentalContract) -> str:
    return f"{c.contract_no} {c.device}({c.plan})"


def details(c: RentalContract, today: date) -> str:
    return (f"{NAME}(契約番号{c.contract_no}): {c.device}、{c.plan}、"
            f"月額{Price.from_incl(c.monthly_fee).quoted}、{COURSE_NAMES[c.course]}、"
            f"安心サポート: {ANSHIN_NAMES[c.anshin]}、{PAYMENT_NAMES[c.payment]}")


# The monthly bill (every_service.monthly_bill): this contract's month, and this service's clause of the general answer.
BILL_GENERAL = f"{NAME}はご契約プランの月額(税込、おまとめコースの期間分はお支払い済み)"


def bill(case: Case) -> str:
    c = _contract(case)
    return f"レンタル({c.device}、{c.plan}): " + rt.monthly_charge(c, case.day).describe()


def _cancel(case: Case) -> str:
    return rt.cancellation_end_date(_contract(case), case.day).describe()


def _plan_change(case: Case) -> str:
    c = _contract(case)
    return f"現在のプランは{c.plan}です。" + rt.plan_change(c, case.day).describe()


def _deposit(case: Case) -> str:
    c, day = _contract(case), case.day
    cancel = rt.cancellation_end_date(c, day)
    if cancel.accepted:
        when = f"{jdate(day)}に解約を申請された場合の終了日は{jdate(cancel.end)}で、"
        end = cancel.end
    else:
        when = (f"{jdate(day)}(25日)は解約申請ができないため、{jdate(cancel.next_possible)}以降の申請で"
                f"終了日は{jdate(cancel.end_if_next_possible)}となり、")
        end = cancel.end_if_next_possible
    refunds = cancel.refunds or rt.refunds(c, end)   # computed by the cancellation when it was accepted
    text = f"{COURSE_NAMES[c.course]}のご契約です。{when}{refunds.rule}"
    if c.course == Course.DEPOCOMI:
        text += f"デポコミ期間の満了日は{jdate(refunds.depocomi_completes_on)}です。"
    return text


def _theft(case: Case) -> str:
    c = _contract(case)
    result = rt.premium_theft_cover_start(c)
    if result.cover_starts is None:
        return result.describe()
    state = "すでに補償の対象です。" if case.day >= result.cover_starts else "まだ補償開始前です。"
    return (f"{ANSHIN_NAMES[c.anshin]}のご利用開始は{jdate(result.use_began)}です。{result.describe()}"
            f"{jdate(case.day)}時点では{state}")


def _anshin(case: Case) -> str:
    c, p = _contract(case), case.params
    head = f"現在の安心サポートは「{ANSHIN_NAMES[c.anshin]}」です。"
    if p.anshin_from is not None and p.anshin_from != c.anshin:
        head += f"(お話の「{ANSHIN_NAMES[p.anshin_from]}」ではなく、こちらがご契約中の内容です。)"
    if p.anshin_to is not None:
        return head + rt.anshin_change(c, case.day, p.anshin_to).describe()
    # No target named: what a change (from next month) or a removal (end of the month) would mean that day.
    change = rt.anshin_change(c, case.day, rt.default_anshin_target(c.anshin))
    if change.possible:
        removal = f"、解除の場合は{jdate(month_end(case.day))}で終了" if c.anshin != Anshin.NONE else ""
        return (head + f"{jdate(case.day)}にお申し込みいただくと、変更の場合は{jdate(change.effective)}から適用{removal}となります。"
                + rt.ANSHIN_RULE + rt.THEFT_RULE)
    when = (f"次は{jdate(change.next_possible)}～{jdate(change.next_possible.replace(day=rt.CHANGE_LAST_DAY))}に"
            "お申し込みいただけます。" if change.next_possible else "")
    return head + f"{jdate(case.day)}は安心サポートの変更・解除のお手続きはできません。{when}{change.rule}"


def _payment(case: Case) -> str:
    c, p = _contract(case), case.params
    head = f"現在のお支払い方法は{PAYMENT_NAMES[c.payment]}です。"
    target = p.payment_to if p.payment_to is not None and p.payment_to != c.payment else rt.default_payment_target(c.payment)
    return head + rt.payment_method_change(c, case.day, target).describe()


def _receipt(case: Case) -> str:
    c = _contract(case)
    return f"お支払い方法は{PAYMENT_NAMES[c.payment]}です。" + rt.receipt(c).describe()


def _card(case: Case) -> str:
    c = _contract(case)
    if c.payment != rt.Payment.CARD:
        return f"現在のお支払い方法は{PAYMENT_NAMES[c.payment]}のため、クレジットカード情報の登録はありません。"
    result = rt.card_change(c, case.day)
    if result.possible:
        return f"{jdate(case.day)}はクレジットカード情報を変更いただけます。{result.rule}"
    return result.describe()


QUESTIONS = [
    Question("rt_cancel_end", "解約した場合の終了日", SERVICE, _cancel, rt.GENERAL_CANCEL_RULE,
             contract_types=(CONTRACT,), faq=("rt_cancel_deadline", "rt_cancel_25th"), dates=FUTURE,
             when="{d}に解約を申請された場合"),
    Question("rt_plan_change", "プラン変更ができるか", SERVICE, _plan_change,
             f"プラン変更は毎月1日～15日にマイページから受け付け、翌月から適用されます。手数料は{rt.PLAN_CHANGE_FEE.both}です。"
             + rt.PLAN_CHANGE_NOTES,
             contract_types=(CONTRACT,), faq=("rt_plan_change_fee", "rt_plan_change_how"), dates=FUTURE, when="{d}にお申し込みの場合"),
    Question("rt_deposit_refund", "デポジットの返金", SERVICE, _deposit, rt.GENERAL_REFUND_RULE,
             contract_types=(CONTRACT,), faq=("rt_depocomi", "rt_omatome"), dates=FUTURE,
             when="{d}に解約を申請された場合"),
    Question("rt_theft_cover", "紛失・盗難補償の開始日", SERVICE, _theft, rt.THEFT_RULE,
             contract_types=(CONTRACT,), faq=("rt_anshin_premium_theft",)),
    Question("rt_anshin_change", "安心サポートの変更", SERVICE, _anshin, rt.ANSHIN_RULE,
             contract_types=(CONTRACT,), faq=("rt_anshin_change", "rt_anshin_cancel", "rt_anshin_change_limit"),
             dates=FUTURE, when="{d}にお申し込みの場合"),
    Question("rt_payment_change", "お支払い方法の変更", SERVICE, _payment, rt.PAYMENT_CHANGE_RULE,
             contract_types=(CONTRACT,), faq=("rt_payment_to_card", "rt_payment_from_card"), dates=NO_DATE),
    Question("rt_receipt", "領収証の発行", SERVICE, _receipt, rt.RECEIPT_RULE,
             contract_types=(CONTRACT,), faq=("rt_receipt", "rt_receipt_non_card"), dates=NO_DATE),
    Question("rt_card_change", "クレジットカード情報の変更", SERVICE, _card, rt.CARD_CHANGE_RULE,
             contract_types=(CONTRACT,), faq=("rt_card_change_25th", "rt_change_card", "rt_card_change_old_contract", "rt_card_expiry"),
             dates=FUTURE, when="{d}に変更される場合"),
]
