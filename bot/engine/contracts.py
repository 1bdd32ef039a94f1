"""Plain contract records, one dataclass per service, independent of the database.

Field names follow the account fixture format (shared spec interfaces.md).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from typing import Optional, Union

from bot.engine.services import SERVICES, Service


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


class NumberUse(str, Enum):
    FORWARD = "forward"
    DISPLAY = "display"


SERVICE_NAMES = {s.key: s.name for s in SERVICES}

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


# The contract dataclasses below (and answers/reply.py's) look alike to the duplicates tool (shape):
# each lists its own service's fields, there is no logic to share.
@dataclass(frozen=True)
class RemoteSupportContract:
    contract_no: str
    start: date
    end: Optional[date] = None          # cancellation date, None while active
    service: Service = field(default=Service.REMOTE_SUPPORT, init=False)

    def active_on(self, d: date) -> bool:
        return self.start <= d and (self.end is None or d <= self.end)


@dataclass(frozen=True)
class IncidentPack:
    purchased: date
    remaining: int


@dataclass(frozen=True)
class LicenseMaintenanceContract:
    contract_no: str
    purchased: date
    licenses: int
    unit_price: int                     # 税別, per licence
    maintenance_start: date             # last purchase / renewal / rejoin date
    incidents: tuple[IncidentPack, ...] = ()
    service: Service = field(default=Service.LICENSE_MAINTENANCE, init=False)


@dataclass(frozen=True)
class HaasContract:
    contract_no: str
    product: str
    purchased: date
    warranty_no: str
    handson_used: int = 0
    service: Service = field(default=Service.HAAS, init=False)


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
    omatome_months: Optional[int] = None  # months prepaid, for omatome
    anshin: Anshin = Anshin.NONE
    anshin_start: Optional[date] = None
    anshin_changes_used: int = 0
    service: Service = field(default=Service.RENTAL, init=False)


@dataclass(frozen=True)
class LentNumber:
    number: str
    use: NumberUse


@dataclass(frozen=True)
class PhoneAnsweringContract:
    contract_no: str
    start: Optional[date]               # None: starts when the number is notified
    base_fee: int                       # 税込, the plan's monthly fee
    numbers: tuple[LentNumber, ...] = ()
    trial_used: bool = False
    service: Service = field(default=Service.PHONE_ANSWERING, init=False)


Contract = Union[
    RemoteSupportContract,
    LicenseMaintenanceContract,
    HaasContract,
    RentalContract,
    PhoneAnsweringContract,
]


@dataclass(frozen=True)
class Account:
    id: str
    name: str
    phone: str
    internet_line: Optional[str]        # our cable-internet line id; None = another provider
    contracts: tuple[Contract, ...] = ()

    def of_service(self, service: Service) -> list[Contract]:
        return [c for c in self.contracts if c.service == service]

    def contract(self, contract_no: str) -> Optional[Contract]:
        return next((c for c in self.contracts if c.contract_no == contract_no), None)
