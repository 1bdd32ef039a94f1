"""Linuxmania HaaS (seed 002): the questions a customer can ask about their own product."""
from __future__ import annotations

from datetime import date, datetime, time
from typing import cast

from bot import settings
from bot.engine import haas as hx
from bot.engine import services
from bot.engine.contracts import Service
from bot.engine.haas import HaasContract
from bot.engine.format import jdate, jdate_w
from bot.answers.question import NO_DATE, Case, Question

CONTRACT = HaasContract
SERVICE = Service.HAAS
NAME = services.info(SERVICE).name


def _contract(case: Case) -> HaasContract:
    return cast(HaasContract, case.contract)


def label(c: HaasContract) -> str:
    return f"{c.contract_no} {c.product}"


def details(c: HaasContract, today: date) -> str:
    return (f"{NAME}(契約番号{c.contract_no}): {c.product}、{jdate(c.purchased)}ご購入、"
            f"保証書番号{c.warranty_no}、ハンズオンご利用{c.handson_used}回")


def _handson(case: Case) -> str:
    c = _contract(case)
    result = hx.handson(c, case.day)
    return f"{c.product}({jdate(c.purchased)}ご購入、ご利用済み{result.used}回): {result.describe()}"


def _eligibility(case: Case) -> str:
    return hx.eligibility(case.account, case.day).describe()


def _hours(case: Case) -> str:
    """Open now (no date named), or whether the day they name is a 受付日 and when it next opens."""
    if not case.named_day:   # now's clock time on the case's today (staff may ask "as if it were that day")
        return hx.phone_support_hours(datetime.combine(case.today, settings.now().time())).describe()
    result = hx.phone_support_hours(datetime.combine(case.day, time(0, 0)))
    if result.next_open_day == case.day:
        return f"{jdate_w(case.day)}は受付日です。{result.rule}"
    return f"{jdate_w(case.day)}は受付日ではありません。次の受付日は{jdate_w(result.next_open_day)}です。{result.rule}"


def _handsbuy(case: Case) -> str:
    return f"{_contract(case).product}: {hx.handsbuy(_contract(case)).describe()}"


QUESTIONS = [
    Question("hx_handson_free", "ハンズオンの無料回数", SERVICE, _handson, hx.HANDSON_RULE,
             contract_types=(CONTRACT,), faq=("hx_handson_fee",)),
    Question("hx_eligibility", "Linuxmania サポートの対象か", SERVICE, _eligibility, hx.ELIGIBILITY_RULE,
             faq=("hx_eligibility",), dates=NO_DATE),
    # The same for every customer: computed for everyone, identified or not.
    Question("hx_support_hours", "電話サポートの受付", SERVICE, _hours, hx.PHONE_SUPPORT_RULE,
             faq=("hx_support_hours",), needs_identity=False),
    Question("hx_handsbuy", "ハンズバイ", SERVICE, _handsbuy, hx.HANDSBUY_RULE,
             contract_types=(CONTRACT,), faq=("hx_handsby_fee",), dates=NO_DATE),
]
