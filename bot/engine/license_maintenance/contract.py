"""The licence-maintenance contract record (fixture format: shared spec interfaces.md) and its
incident packs."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from bot.engine.contracts import Service, valid


@dataclass(frozen=True)
class IncidentPack:
    purchased: date
    remaining: int


@dataclass(frozen=True)
class LicenseMaintenanceContract:
    contract_no: str
    purchased: date
    licenses: int = field(metadata=valid(minimum=1))
    unit_price: int                     # 税別, per licence
    # last purchase / renewal / rejoin date; a new contract's is its purchase
    maintenance_start: date = field(metadata=valid(default_from="purchased", not_before="purchased"))
    incidents: tuple[IncidentPack, ...] = ()
    service: Service = field(default=Service.LICENSE_MAINTENANCE, init=False)
