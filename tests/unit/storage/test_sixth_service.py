"""A sixth service's contracts are imported from a fixture file and read back with nothing written for them
in bot/storage but their table model: the fixture fields, their checks and the row conversions follow
its engine dataclass (DEVELOPERS.md, "Adding a service")."""
from __future__ import annotations

from tests.support import sixth_service

PET_CARE = r'''
import tempfile
from pathlib import Path

# its engine module: the contract dataclass, with one rule beyond the types (at least 15 minutes a visit)
engine = add_module("bot.engine.pet_care", """
from __future__ import annotations
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from typing import Optional
from bot.engine.contracts import Service, valid

class Size(str, Enum):
    SMALL = "small"
    LARGE = "large"

@dataclass(frozen=True)
class Visit:
    day: date
    minutes: int = field(metadata=valid(minimum=15))

@dataclass(frozen=True)
class PetCareContract:
    contract_no: str
    pet: str
    size: Size
    start: date
    end: Optional[date] = field(default=None, metadata=valid(not_before="start"))
    visits: tuple[Visit, ...] = ()
    insured: bool = False
    service: Service = field(default=Service.PET_CARE, init=False)

CONTRACT = PetCareContract
""")

# its table model (what its migration creates), the columns named after the dataclass fields
add_module("bot.storage.pet_care_model", """
from sqlalchemy import Boolean, Column, Date, ForeignKey, Integer, String
from sqlalchemy.orm import relationship
from bot.engine.services import Service
from bot.storage.models import Base, Contract

class PetCareContract(Contract):
    __tablename__ = "pet_care_contracts"
    id = Column(Integer, ForeignKey("contracts.id", ondelete="CASCADE"), primary_key=True)
    pet = Column(String(100), nullable=False)
    size = Column(String(16), nullable=False)
    start = Column(Date, nullable=False)
    end = Column(Date, nullable=True)
    insured = Column(Boolean, nullable=False, default=False)
    visits = relationship("Visit", cascade="all, delete-orphan", order_by="Visit.id")
    __mapper_args__ = {"polymorphic_identity": Service.PET_CARE.value}

class Visit(Base):
    __tablename__ = "pet_care_visits"
    id = Column(Integer, primary_key=True, autoincrement=True)
    contract_id = Column(Integer, ForeignKey("pet_care_contracts.id", ondelete="CASCADE"), nullable=False)
    day = Column(Date, nullable=False)
    minutes = Column(Integer, nullable=False)
""")

from datetime import date
from bot.engine.haas import HaasContract
from bot.storage import db, fixtures, repository
from bot.storage.models import Base

folder = Path(tempfile.mkdtemp())
url = f"sqlite:///{folder / 'accounts.db'}"
Base.metadata.create_all(db.get_engine(url))   # the migrations' tables, then the sixth service's

ACCOUNT = """accounts:
  - id: P1001
    name: 犬山 花子
    phone: 090-1111-2222
    internet_line: null
    contracts:
      - {service: haas, contract_no: LM-0501, product: Linuxmania Mini, purchased: 2026-10-01, warranty_no: W-1}
      - service: pet_care
        contract_no: PC-0001
        pet: ポチ
        size: %s
        start: 2026-09-01
        end: %s
        visits:
          - {day: 2026-09-05, minutes: 30}
          - {day: 2026-10-05, minutes: %s}
"""
good = folder / "good.yml"
good.write_text(ACCOUNT % ("small", "null", 45), encoding="utf-8")
report = fixtures.import_file(good, url)
assert (report.created, report.contracts) == (1, 2), report

account = repository.load_account("P1001", url)
expected = engine.PetCareContract("PC-0001", pet="ポチ", size=engine.Size.SMALL, start=date(2026, 9, 1),
                                  visits=(engine.Visit(date(2026, 9, 5), 30), engine.Visit(date(2026, 10, 5), 45)))
assert account.contracts == (HaasContract("LM-0501", "Linuxmania Mini", date(2026, 10, 1), "W-1"), expected), account
assert repository.contract_owners(["PC-0001"], url) == {"PC-0001": "P1001"}
assert repository.list_accounts(url)[0].services == ("haas", "pet_care")

# a re-import updates the row and replaces its visits
good.write_text(ACCOUNT % ("large", "2026-12-31", 60), encoding="utf-8")
assert fixtures.import_file(good, url).updated == 1
changed = repository.load_account("P1001", url).contract("PC-0001")
assert (changed.size, changed.end, [v.minutes for v in changed.visits]) == (engine.Size.LARGE, date(2026, 12, 31), [30, 60])

# bad fields are rejected naming the account and the field, and nothing is written
bad = folder / "bad.yml"
bad.write_text((ACCOUNT % ("huge", "2026-08-31", 5)).replace("P1001", "P2002").replace("PC-0001", "PC-0002"), encoding="utf-8")
try:
    fixtures.import_file(bad, url)
    raise AssertionError("the bad file was imported")
except fixtures.FixtureError as error:
    text = error.message()
for problem in ("account P2002: field 'contracts[1] (PC-0002).size': must be one of small, large, got 'huge'",
                "account P2002: field 'contracts[1] (PC-0002).visits[1].minutes': must be at least 15, got 5",
                "account P2002: field 'contracts[1] (PC-0002).end': 2026-08-31 is before start 2026-09-01"):
    assert problem in text, text
assert not repository.account_exists("P2002", url)
wrong = folder / "wrong.yml"
wrong.write_text((ACCOUNT % ("small", "null", 45)).replace("P1001", "P3003").replace("PC-0001", "RS-0009"), encoding="utf-8")
try:
    fixtures.import_file(wrong, url)
    raise AssertionError("a pet_care contract with a remote_support number was imported")
except fixtures.FixtureError as error:
    assert "field 'contracts[1] (RS-0009).contract_no': must be PC- and 3 to 8 digits for pet_care" in error.message()
print("sixth service stored")
'''


def test_a_sixth_service_is_imported_and_loaded_by_its_dataclass_and_table_model():
    done = sixth_service.run(PET_CARE)
    assert done.returncode == 0 and "sixth service stored" in done.stdout, (done.stdout + done.stderr)[-3000:]
