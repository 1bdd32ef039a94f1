"""ライセンス保守: the dates counted in business days (payment, technical service, mail support)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from bot.engine.calendar import business_days_after, business_days_before
from bot.engine.format import jdate
from bot.engine.result import Result, policy

PAYMENT_BUSINESS_DAYS = 3         # cash in advance, 3 営業日 before delivery / reservation
MAIL_SUPPORT_BUSINESS_DAYS = 2    # mail support starts 2 営業日 after acceptance at the earliest
TECHNICIAN_NOTICE_BUSINESS_DAYS = 2

# ---- the rules, as customers read them (general answers and computed ones share these) -----------
BUSINESS_DAY_NOTE = policy("営業日は土日・祝日(振替休日を含む)を除く平日とし、年末年始の特別休業は設けていません。")
# The rule as customers read it when no delivery date is chosen yet (the account answers).
PAYMENT_RULE = (f"お支払いは現金先払いで、納品ご希望日の{PAYMENT_BUSINESS_DAYS}営業日前(土日祝日を除く)までに"
                "指定口座へご入金ください。")
MAIL_SUPPORT_RULE = "メールサポートは受付完了後、2営業日以降からの対応となります。混雑時は回答までお時間をいただく場合があります。"
TECHNICIAN_NOTICE_RULE = "テクニカル担当者から、サービスご提供の2営業日前までに作業前の確認事項をメールでご連絡します。"
TECHNICAL_SERVICE_RULE = ("テクニカル・サービスはご購入者様限定で、ご予約日の3営業日前までにご入金が確認できない場合、"
                          "お申し込みは無効となります。テクニカル担当者からはご提供の2営業日前までに確認事項をメールでお送りします。")


@dataclass(frozen=True, kw_only=True)
class DeadlineResult(Result):
    reference: date             # the date the deadline is counted from
    deadline: date
    business_days: int

    def describe(self) -> str:
        return f"{jdate(self.deadline)}です。{self.rule}"


def _counted(reference: date, business_days: int, rule: str, *, after: bool = False) -> DeadlineResult:
    """A date `business_days` business days before (or after) `reference`; the rule says what a business day is."""
    step = business_days_after if after else business_days_before
    return DeadlineResult(reference=reference, deadline=step(reference, business_days),
                          business_days=business_days, rule=rule + BUSINESS_DAY_NOTE)


def payment_deadline(delivery: date) -> DeadlineResult:
    """Cash in advance must arrive 3 business days before the desired delivery date."""
    return _counted(delivery, PAYMENT_BUSINESS_DAYS,
                    f"お支払いは現金先払いで、納品ご希望日({jdate(delivery)})の3営業日前までに指定口座へのご入金が必要です。")


def earliest_delivery(today: date) -> date:
    """The first delivery date whose payment deadline (3 business days before) is not yet past."""
    delivery = today + timedelta(days=1)
    while business_days_before(delivery, PAYMENT_BUSINESS_DAYS) < today:
        delivery += timedelta(days=1)
    return delivery


def technical_service_payment_deadline(reserved: date) -> DeadlineResult:
    """Payment must be confirmed 3 business days before the reserved date or the booking is void."""
    return _counted(reserved, PAYMENT_BUSINESS_DAYS,
                    f"テクニカル・サービスはご予約日({jdate(reserved)})の3営業日前までにご入金が確認できない場合、"
                    "お申し込みは無効となります。テクニカル担当者からはご提供の2営業日前までに確認事項をメールでお送りします。")


def technician_notice_date(reserved: date) -> DeadlineResult:
    """The technician's e-mail with the pre-work checks arrives 2 business days before the reserved date."""
    return _counted(reserved, TECHNICIAN_NOTICE_BUSINESS_DAYS, TECHNICIAN_NOTICE_RULE)


def mail_support_start(accepted: date) -> DeadlineResult:
    """Mail support answers from 2 business days after acceptance at the earliest."""
    return _counted(accepted, MAIL_SUPPORT_BUSINESS_DAYS, MAIL_SUPPORT_RULE, after=True)
