"""リモートサポート (seed 000): the questions a customer can ask about their own contract."""
from __future__ import annotations

from datetime import date
from typing import cast

from bot.engine import remote_support as rs
from bot.engine import services
from bot.engine.contracts import Service
from bot.engine.remote_support import RemoteSupportContract
from bot.engine.format import jdate, jmonth
from bot.answers.question import FUTURE, NO_DATE, Case, Question

CONTRACT = RemoteSupportContract
SERVICE = Service.REMOTE_SUPPORT
NAME = services.info(SERVICE).name


def _contract(case: Case) -> RemoteSupportContract:
    return cast(RemoteSupportContract, case.contract)   # the registry only passes this service's contracts


def label(c: RemoteSupportContract) -> str:
    return f"{c.contract_no} {NAME}"


def details(c: RemoteSupportContract, today: date) -> str:
    state = f"{jdate(c.end)}解約" if c.end else "ご利用中"
    return f"{NAME}(契約番号{c.contract_no}): {jdate(c.start)}開始、{state}、月額{rs.MONTHLY_FEE.quoted}"


# The monthly bill (every_service.monthly_bill): this contract's month, and this service's clause of the general answer.
BILL_GENERAL = f"{NAME}{rs.MONTHLY_FEE.quoted}(月の途中の開始・解約も満額)"


def bill(case: Case) -> str:
    day = case.day
    return f"{jmonth(day.year, day.month)}分のリモートサポート: " + rs.monthly_charge(_contract(case), day).describe()


def _eligibility(case: Case) -> str:
    return rs.eligibility(case.account, case.day).describe()


def _start(case: Case) -> str:
    """「来月から使いたい」: eligibility, then what the first month costs from the start they name."""
    result = rs.eligibility(case.account, case.today)
    if not result.eligible or result.existing_contract_no:
        return result.describe()
    start = case.day
    first = rs.monthly_charge(RemoteSupportContract("-", start=start), start)
    return (f"{jdate(start)}からのご利用開始の場合、{jmonth(start.year, start.month)}分から月額"
            f"{first.total.quoted}のご請求です。{rs.FULL_MONTH_RULE}お申し込みは{rs.CONTACT_PHONE}へお電話ください。")


def _cancel(case: Case) -> str:
    c = _contract(case)
    if c.end is not None and c.end < case.day:
        return (f"このご契約は{jdate(c.end)}に解約済みです。最終月も月額{rs.MONTHLY_FEE.quoted}の満額ご請求でした。"
                "再契約も可能です。")
    return rs.cancellation_end_date(c, case.day).describe()


def _charges(case: Case) -> str:
    c = _contract(case)
    return f"{jdate(c.start)}のご利用開始から{jdate(case.day)}までの{rs.charges_to_date(c, case.day).describe()}"


GENERAL_ELIGIBILITY = (
    rs.OTHER_PROVIDER_RULE + f"当社インターネットをご利用の場合は1回線につき1契約、月額{rs.MONTHLY_FEE.quoted}で"
    "お申し込みいただけます。"
)

QUESTIONS = [
    Question("rs_eligibility", "リモートサポートをご利用いただけるか", SERVICE, _eligibility, GENERAL_ELIGIBILITY,
             faq=("rs_other_provider", "rs_contracts_per_line", "rs_recontract"), dates=NO_DATE),
    Question("rs_start", "リモートサポートの開始月の料金", SERVICE, _start,
             rs.FULL_MONTH_RULE + f"お申し込みは{rs.CONTACT_PHONE}へお電話ください。",
             faq=("rs_midmonth_apply", "rs_start_timing"), dates=FUTURE, when="{d}開始の場合"),
    Question("rs_cancel_this_month", "解約した場合の終了日と最終月の料金", SERVICE, _cancel,
             rs.FULL_MONTH_RULE + f"最低利用期間や解約時の違約金はありません。解約のご連絡は{rs.CONTACT_PHONE}へお願いします。",
             contract_types=(CONTRACT,), faq=("rs_midmonth_cancel", "rs_min_term_penalty"), dates=FUTURE, when="{d}に解約される場合"),
    Question("rs_charges_to_date", "これまでのリモートサポートのご請求", SERVICE, _charges,
             rs.FULL_MONTH_RULE + "料金はケーブルテレビ局からインターネット料金と一緒にご請求します。",
             contract_types=(CONTRACT,), faq=("rs_billing_start",)),
]
