"""ライセンス保守 (seed 001): the questions a customer can ask about their own licences."""
from __future__ import annotations

from datetime import date
from typing import cast

from bot.engine import license_maintenance as cw
from bot.engine import services
from bot.engine.contracts import Service
from bot.engine.license_maintenance import LicenseMaintenanceContract
from bot.engine.format import jdate
from bot.engine.money import Price
from bot.nlu.params import additional
from bot.answers.question import FUTURE, Case, Question

CONTRACT = LicenseMaintenanceContract
SERVICE = Service.LICENSE_MAINTENANCE
NAME = services.info(SERVICE).name


def _contract(case: Case) -> LicenseMaintenanceContract:
    return cast(LicenseMaintenanceContract, case.contract)


def label(c: LicenseMaintenanceContract) -> str:
    return f"{c.contract_no} {NAME}({c.licenses}ライセンス)"


def details(c: LicenseMaintenanceContract, today: date) -> str:
    status = cw.maintenance_status(c, today)
    state = f"保守期間中({jdate(status.last_day)}まで)" if status.active else f"保守は{jdate(status.last_day)}で満了"
    return (f"{NAME}(契約番号{c.contract_no}): {c.licenses}ライセンス、"
            f"1ライセンス{Price.from_excl(c.unit_price).quoted}、{jdate(c.purchased)}ご購入、{state}")


def _payment_for(delivery: date, today: date, *, with_rule: bool = True) -> str:
    """The payment deadline for a delivery date; a deadline already past is never quoted as one to meet.
    `with_rule=False` when the reply already states the payment rule (the renewal answer does)."""
    deadline = cw.payment_deadline(delivery)
    rule = deadline.rule if with_rule else cw.BUSINESS_DAY_NOTE
    if deadline.deadline >= today:
        return f"{jdate(delivery)}の納品をご希望の場合、ご入金期限は{jdate(deadline.deadline)}です。{rule}"
    earliest = cw.earliest_delivery(today)
    return (f"{jdate(delivery)}の納品に必要なご入金期限({jdate(deadline.deadline)})はすでに過ぎています。"
            f"本日({jdate(today)})ご入金の場合、最短の納品日は{jdate(earliest)}です。{rule}")


def _renewal(case: Case) -> str:
    c, day = _contract(case), case.day
    result = cw.renewal_fee(c, day)
    if not result.possible:
        return result.describe() + cw.rejoin_fee(c, max(day, case.today)).describe()
    text = result.describe() + _payment_for(result.new_start, case.today, with_rule=False)
    if result.payment_deadline < case.today:   # the renewal result already carries that deadline
        status = cw.maintenance_status(c, day)
        text += (f"更新されないまま満了日({jdate(status.last_day)})を過ぎると、{jdate(status.invalid_from)}から"
                 "会員IDが無効となります。")
    if result.notice_around >= case.today:
        text += f"更新のご案内メールは{jdate(result.notice_around)}ごろお送りします。"
    return text


def _rejoin(case: Case) -> str:
    return cw.rejoin_fee(_contract(case), case.day).describe()


def _add(case: Case) -> str:
    c = _contract(case)
    added = additional(case.params.count, c.licenses)
    if added <= 0:
        return (f"現在のライセンス数は{c.licenses}ライセンスのため、ご希望の数にするための追加はございません。"
                "減らすお手続きについては窓口へお問い合わせください。")
    return cw.add_licenses_fee(c, case.day, added).describe()


def _payment_deadline(case: Case) -> str:
    c = _contract(case)
    if case.named_day:       # the customer named the delivery date they want
        return _payment_for(case.day, case.today)
    renewal = cw.renewal_fee(c, case.today)
    if renewal.possible:
        return f"保守の更新料{renewal.fee.both}は、更新後の保守開始日の" + _payment_for(renewal.new_start, case.today)
    rejoin = cw.rejoin_fee(c, case.today)
    return (f"保守期間は{jdate(cw.maintenance_end(c.maintenance_start))}で満了しているため、お支払いは再加入の費用となります。"
            f"{rejoin.describe()}{cw.PAYMENT_RULE}")


def _status(case: Case) -> str:
    c = _contract(case)
    return cw.maintenance_status(c, case.day).describe() + cw.residual_value(c, case.day).describe()


def _incidents(case: Case) -> str:
    return cw.incidents(_contract(case), case.day).describe()


def _mail_support(case: Case) -> str:
    c, day = _contract(case), case.day
    status = cw.maintenance_status(c, day)
    if not status.active:
        return status.describe()
    return f"{jdate(day)}に受付が完了した場合、メールサポートのご回答は早くて" + cw.mail_support_start(day).describe()


def _technical_service(case: Case) -> str:
    if not case.named_day:
        return ("テクニカル・サービスのご予約日(サービスご提供日)をお知らせいただければ、ご入金期限と担当者からのメールの日付を"
                "お調べします(例:「1月15日に予約したい」)。")
    reserved = case.day
    payment = cw.technical_service_payment_deadline(reserved)
    notice = cw.technician_notice_date(reserved)
    if payment.deadline < case.today:
        return (f"{jdate(reserved)}のご予約に必要なご入金期限({jdate(payment.deadline)})はすでに過ぎているため、"
                f"この日のご予約は無効となります。本日ご入金の場合、最短のご予約日は{jdate(cw.earliest_delivery(case.today))}です。"
                + payment.rule)
    return (f"{jdate(reserved)}のご予約の場合、ご入金期限は{jdate(payment.deadline)}、テクニカル担当者からの確認メールは"
            f"{jdate(notice.deadline)}までにお送りします。{payment.rule}")


QUESTIONS = [
    Question("cw_renewal_fee", "保守の更新料と期限", SERVICE, _renewal,
             "保守の更新料はライセンス料の20%×ライセンス数(税別)で、満了前にお支払いいただくと満了日から1年間延長されます。"
             "更新はメールでお申し込みいただき、" + cw.PAYMENT_RULE,
             contract_types=(CONTRACT,), faq=("cw_renewal_fee", "cw_renewal_notice")),
    Question("cw_rejoin_fee", "再加入の費用", SERVICE, _rejoin, cw.REJOIN_RULE,
             contract_types=(CONTRACT,), faq=("cw_rejoin",), dates=FUTURE, when="{d}に再加入される場合"),
    Question("cw_add_licenses", "ライセンス追加の費用", SERVICE, _add, cw.ADD_RULE,
             contract_types=(CONTRACT,), faq=("cw_add_license",), dates=FUTURE, when="{d}に追加される場合"),
    Question("cw_payment_deadline", "保守更新のお支払い期限", SERVICE, _payment_deadline,
             "ライセンス保守の更新・再加入の" + cw.PAYMENT_RULE + "ご入金確認後、新しいライセンスキーと会員IDをメールでお送りします。",
             contract_types=(CONTRACT,), faq=("cw_renewal_payment", "cw_renewal_delivery"), dates=FUTURE,
             when="納品ご希望日{d}"),
    Question("cw_maintenance_status", "保守期間", SERVICE, _status, cw.STATUS_RULE,
             contract_types=(CONTRACT,), faq=("cw_not_renewed",)),
    Question("cw_incidents", "インシデントの残り回数", SERVICE, _incidents, cw.INCIDENT_RULE,
             contract_types=(CONTRACT,), faq=("cw_incident_validity",)),
    Question("cw_mail_support_start", "メールサポートの回答開始日", SERVICE, _mail_support, cw.MAIL_SUPPORT_RULE,
             contract_types=(CONTRACT,), faq=("cw_mail_support_response_time",), dates=FUTURE, when="受付日{d}"),
    Question("cw_technical_service", "テクニカル・サービスのご入金期限", SERVICE, _technical_service,
             cw.TECHNICAL_SERVICE_RULE, contract_types=(CONTRACT,), faq=("cw_tech_service_payment", "cw_tech_service_pre_check"), dates=FUTURE,
             when="ご予約日{d}"),
]
