"""電話代行 (seed 004): the questions a customer can ask about their own contract."""
from __future__ import annotations

from datetime import date
from typing import cast

from bot.engine import phone_answering as pa
from bot.engine import services
from bot.engine.contracts import Service
from bot.engine.phone_answering import NumberUse, PhoneAnsweringContract
from bot.engine.format import jdate
from bot.engine.money import Price
from bot.nlu.params import additional
from bot.privacy.phones import mask_phone
from bot.answers.question import FUTURE, NO_DATE, Case, Question

CONTRACT = PhoneAnsweringContract
SERVICE = Service.PHONE_ANSWERING
NAME = services.info(SERVICE).name
USE_NAMES = {NumberUse.FORWARD: "転送", NumberUse.DISPLAY: "表記"}


def _contract(case: Case) -> PhoneAnsweringContract:
    return cast(PhoneAnsweringContract, case.contract)


def label(c: PhoneAnsweringContract) -> str:
    return f"{c.contract_no} {NAME}"


def details(c: PhoneAnsweringContract, today: date) -> str:
    start = jdate(c.start) if c.start else "番号のご通知時"
    numbers = "、".join(f"{mask_phone(n.number)}({USE_NAMES[n.use]})" for n in c.numbers) or "なし"
    return (f"{NAME}(契約番号{c.contract_no}): 利用開始{start}、基本料金"
            f"{Price.from_incl(c.base_fee).quoted}、お貸し出し番号{numbers}")


# The monthly bill (every_service.monthly_bill): this contract's month, and this service's clause of the general answer.
BILL_GENERAL = f"{NAME}は基本料金+追加番号1件につき{pa.EXTRA_NUMBER_FEE.quoted}"


def bill(case: Case) -> str:
    day = case.day
    return f"{day.year}年{day.month}月分の電話代行: " + pa.monthly_fee(_contract(case), day).describe()


def _lent(c: PhoneAnsweringContract) -> str:
    return f"お貸し出し番号{len(c.numbers)}件" if c.numbers else "お貸し出し中の番号なし"


def _add_numbers(case: Case) -> str:
    c = _contract(case)
    now = pa.monthly_fee(c, case.day)
    added = additional(case.params.count, len(c.numbers))
    head = f"現在の月額は{now.total.quoted}({_lent(c)})です。"
    if added <= 0:
        return head + f"すでに{len(c.numbers)}件お貸し出し中のため、ご希望の件数にするための追加はございません。"
    return head + f"番号を{added}件追加すると、" + pa.add_numbers_fee(c, case.day, added).describe()


def _trial(case: Case) -> str:
    contracts = [c for c in case.account.contracts if isinstance(c, CONTRACT)]
    return pa.trial(contracts, case.day, case.params.purpose).describe()


def _fee(case: Case) -> str:
    return pa.monthly_fee(_contract(case), case.day).describe()


def _cancel(case: Case) -> str:
    result = pa.cancellation(_contract(case), case.day)
    used = f"ご利用開始から{jdate(case.day)}までで{result.months_used}か月です。" if result.months_used is not None else ""
    return used + result.describe()


def _start(case: Case) -> str:
    c, on = _contract(case), case.params.on
    if on is not None and on.value is not None and not on.exact:
        return (f"「{on.text}」のようなご指定では開始日が確定しません。{pa.start_date(c).rule}"
                "ご希望の開始日を「1月15日」のように日付でお知らせください。")
    if on is not None and on.value is not None:
        return f"ご希望の開始日{jdate(on.value)}は日付としてご指定いただけます。{pa.START_RULE}"
    return pa.start_date(c).describe()


def _number_use(case: Case) -> str:
    c = _contract(case)
    if not c.numbers:
        return "現在お貸し出し中の番号はありません。" + pa.NUMBER_RULE
    lines = "\n".join("・" + pa.number_use(c, n.number).describe().replace(n.number, mask_phone(n.number))
                      for n in c.numbers)
    return f"お貸し出し中の番号のご利用方法です。\n{lines}"


QUESTIONS = [
    Question("pa_add_number", "番号追加後の月額", SERVICE, _add_numbers, pa.NUMBER_RULE,
             contract_types=(CONTRACT,), faq=("pa_additional_number",)),
    Question("pa_trial", "無料お試しのご利用", SERVICE, _trial, pa.TRIAL_RULE + "イベントや求人の時期に合わせたご利用は対象外です。",
             faq=("pa_free_trial", "pa_free_trial_once", "pa_free_trial_event"), dates=FUTURE, when="{d}開始の場合"),
    Question("pa_monthly_fee", "電話代行の月額", SERVICE, _fee, pa.FEE_RULE,
             contract_types=(CONTRACT,), faq=("pa_price_forward_display",)),
    Question("pa_cancel_penalty", "解約の違約金", SERVICE, _cancel, pa.CANCEL_RULE,
             contract_types=(CONTRACT,), faq=("pa_cancellation_penalty",)),
    Question("pa_start_date", "ご利用開始日", SERVICE, _start, pa.START_RULE,
             contract_types=(CONTRACT,), faq=("pa_start_date",), dates=FUTURE),
    Question("pa_number_use", "お貸し出し番号のご利用方法", SERVICE, _number_use, pa.NUMBER_RULE,
             contract_types=(CONTRACT,), faq=("pa_forward_or_display", "pa_display_vs_forward", "pa_line_type",
                                              "pa_forward_number_carrier"), dates=NO_DATE),
]
