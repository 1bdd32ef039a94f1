"""Linuxmania HaaS (seed 002): every business rule of the service.

Only for buyers of Linuxmania products. 電話・メールサポート is free on 平日 10:00–16:30
(operator's decision: national holidays are not 平日). ハンズオン is free up to 3 times within
1 month of purchase, then paid (quoted each time, credit card only).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Optional

from bot.engine.calendar import add_months, is_business_day, next_business_day
from bot.engine.contracts import Account, Service
from bot.engine.format import jdate
from bot.engine.result import Result, policy

FREE_HANDSON_USES = 3
FREE_HANDSON_MONTHS = 1
SUPPORT_OPENS = time(10, 0)
SUPPORT_CLOSES = time(16, 30)
SUPPORT_EMAIL = "customer@linuxmania.jp"


@dataclass(frozen=True)
class HaasContract:
    contract_no: str
    product: str
    purchased: date
    warranty_no: str
    handson_used: int = 0
    service: Service = field(default=Service.HAAS, init=False)


CONTRACT = HaasContract


@dataclass(frozen=True, kw_only=True)
class EligibilityResult(Result):
    eligible: bool
    contract_nos: tuple[str, ...] = ()


ELIGIBILITY_RULE = "HaaSの対象はLinuxmania製品をお買い上げいただいたお客様のみです。他社でお買い上げの製品は対象外です。"


def eligibility(account: Account, today: date) -> EligibilityResult:
    """HaaS covers only Linuxmania products bought by this customer."""
    contracts = account.of_service(Service.HAAS)
    if not contracts:
        return EligibilityResult(eligible=False, rule=ELIGIBILITY_RULE)
    products = "、".join(c.product for c in contracts)
    return EligibilityResult(
        eligible=True,
        contract_nos=tuple(c.contract_no for c in contracts),
        rule=f"Linuxmania製品({products})をお買い上げのため、電話・メールサポート、ハンズオン、ハンズバイをご利用いただけます。",
    )


@dataclass(frozen=True, kw_only=True)
class HandsOnResult(Result):
    free: bool
    used: int
    free_left: int              # free uses left (0 when the free window has passed)
    free_until: date            # last day of the free window (1 month after purchase)

    def describe(self) -> str:
        if self.free:
            return (
                f"ハンズオンは無料でご利用いただけます(残り{self.free_left}回、{jdate(self.free_until)}まで)。{self.rule}"
            )
        return f"ハンズオンは有料となります。{self.rule}"


# Seed 002: 「それ以降は有料サポートとなります。有料の場合、その都度のご相談となります。」
HANDSON_RULE = (
    "ハンズオンはご購入から1か月以内、最大3回まで無料で、それ以降は有料(その都度のご相談、クレジットカード払いのみ)です。"
    "インターネット接続が必要です。"
)


def handson(contract: HaasContract, today: date) -> HandsOnResult:
    """Is the next ハンズオン free, how many free uses are left and until when."""
    free_until = add_months(contract.purchased, FREE_HANDSON_MONTHS)
    in_window = today <= free_until
    left = max(0, FREE_HANDSON_USES - contract.handson_used) if in_window else 0
    base = HANDSON_RULE
    if left > 0:
        rule = base
    elif in_window:
        rule = f"無料の3回をすでにご利用済みのため、{base}"
    else:
        rule = f"ご購入から1か月({jdate(free_until)}まで)を過ぎているため、{base}"
    return HandsOnResult(free=left > 0, used=contract.handson_used, free_left=left, free_until=free_until, rule=rule)


@dataclass(frozen=True, kw_only=True)
class SupportHoursResult(Result):
    open_now: bool
    next_open_day: date         # today when open now or later today, else the next 平日

    def describe(self) -> str:
        if self.open_now:
            return f"現在、電話サポートの受付時間内です。{self.rule}"
        return f"現在は受付時間外です。次の受付日は{jdate(self.next_open_day)}です。{self.rule}"


PHONE_SUPPORT_RULE = (
    "電話・メールサポートは無料(通話料はお客様のご負担)で、受付は平日10時0分～16時30分です。"
    f"保証書のサポート専用番号または{SUPPORT_EMAIL}に、保証書番号を添えてご連絡ください。"
    + policy("祝日は平日に含めていません。")
)


def phone_support_hours(now: datetime) -> SupportHoursResult:
    """電話・メールサポート: 平日 10:00–16:30 (holidays are not 平日: decision)."""
    today, clock = now.date(), now.time()   # .time() drops any tzinfo: Tokyo wall-clock time
    business = is_business_day(today)
    # 「16時30分まで」 includes 16:30 itself; bot/support/contacts reads its hours the same way.
    open_now = business and SUPPORT_OPENS <= clock <= SUPPORT_CLOSES
    if business and clock <= SUPPORT_CLOSES:
        next_day = today                      # open now, or opens later today
    else:
        next_day = next_business_day(today + timedelta(days=1))
    return SupportHoursResult(
        open_now=open_now,
        next_open_day=next_day,
        rule=PHONE_SUPPORT_RULE,
    )


@dataclass(frozen=True, kw_only=True)
class HandsBuyResult(Result):
    payment: str = "クレジットカード払いのみ"


HANDSBUY_RULE = ("ハンズバイでは交換パーツをお送りし、お客様ご自身で交換していただきます。内容によっては無料の場合もあり、"
                 "有料の場合はお見積りします(お支払いはクレジットカードのみ)。古いパーツはご依頼があればご返送ください。")


def handsbuy(contract: Optional[HaasContract] = None) -> HandsBuyResult:
    """ハンズバイ: replacement parts sent to the customer, quoted when paid (the same for every product)."""
    return HandsBuyResult(rule=HANDSBUY_RULE)
