"""The rental contract record (fixture format: shared spec interfaces.md) and its choices: course,
安心サポート, payment method, with the names a reply gives them."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from typing import Optional

from bot.engine.contracts import Service, valid


class Course(str, Enum):
    STANDARD = "standard"
    OMATOME = "omatome"
    DEPOCOMI = "depocomi"


class Anshin(str, Enum):
    NONE = "none"
    STANDARD = "standard"
    PREMIUM = "premium"
    SIM = "sim"
    PREMIUM_SIM = "premium_sim"


class Payment(str, Enum):
    CARD = "card"
    KONBINI = "konbini"   # コンビニ払い (atone)
    INVOICE = "invoice"   # 請求書払い (NP)


ANSHIN_NAMES = {
    Anshin.NONE: "なし",
    Anshin.STANDARD: "安心サポート",
    Anshin.PREMIUM: "安心サポートPremium",
    Anshin.SIM: "安心サポートfor SIM",
    Anshin.PREMIUM_SIM: "安心サポートPremium for SIM",
}

COURSE_NAMES = {Course.STANDARD: "通常コース", Course.OMATOME: "おまとめコース", Course.DEPOCOMI: "デポコミコース"}

PAYMENT_NAMES = {
    Payment.CARD: "クレジットカード払い",
    Payment.KONBINI: "コンビニ払い(atone)",
    Payment.INVOICE: "請求書払い(NP)",
}


@dataclass(frozen=True)
class RentalContract:
    contract_no: str
    device: str
    plan: str
    monthly_fee: int                    # 税込
    course: Course
    course_start: date
    applied: date
    payment: Payment
    omatome_months: Optional[int] = field(   # months prepaid, for omatome
        default=None, metadata=valid(minimum=1, required_for=("course", Course.OMATOME)))
    anshin: Anshin = Anshin.NONE
    anshin_start: Optional[date] = field(default=None, metadata=valid(required_unless=("anshin", Anshin.NONE)))
    anshin_changes_used: int = 0
    service: Service = field(default=Service.RENTAL, init=False)
