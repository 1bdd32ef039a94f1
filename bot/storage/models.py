"""ORM models: customers, contracts (one table per service, joined to a common table), numbers, incidents.

The common `contracts` table holds what every contract has (number, service, owner), so a contract
number is unique across services and can be looked up without knowing the service. A service's table
model is the migration's model: its columns and child relationships carry the names of its engine
dataclass's fields (the repository copies them by name), and its polymorphic identity, the service key,
is the one place that says which model holds which service's contracts (`contract_model`).
"""
from __future__ import annotations

from sqlalchemy import Boolean, Column, Date, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import declarative_base, relationship

from bot.engine.services import Service

Base = declarative_base()


class Customer(Base):
    __tablename__ = "customers"

    id = Column(String(32), primary_key=True)
    name = Column(String(200), nullable=False)
    phone = Column(String(40), nullable=False)
    internet_line = Column(String(64), nullable=True)   # None: another provider's line

    contracts = relationship(
        "Contract", back_populates="customer", cascade="all, delete-orphan", order_by="Contract.id"
    )


class Contract(Base):
    __tablename__ = "contracts"

    id = Column(Integer, primary_key=True, autoincrement=True)
    contract_no = Column(String(64), nullable=False, unique=True)
    customer_id = Column(String(32), ForeignKey("customers.id", ondelete="CASCADE"), nullable=False, index=True)
    service = Column(String(32), nullable=False)

    customer = relationship("Customer", back_populates="contracts")

    __mapper_args__ = {"polymorphic_on": service, "polymorphic_identity": "contract"}


class RemoteSupportContract(Contract):
    __tablename__ = "remote_support_contracts"

    id = Column(Integer, ForeignKey("contracts.id", ondelete="CASCADE"), primary_key=True)
    start = Column(Date, nullable=False)
    end = Column(Date, nullable=True)

    __mapper_args__ = {"polymorphic_identity": Service.REMOTE_SUPPORT.value}


class LicenseMaintenanceContract(Contract):
    __tablename__ = "license_maintenance_contracts"

    id = Column(Integer, ForeignKey("contracts.id", ondelete="CASCADE"), primary_key=True)
    purchased = Column(Date, nullable=False)
    licenses = Column(Integer, nullable=False)
    unit_price = Column(Integer, nullable=False)        # 税別, per licence
    maintenance_start = Column(Date, nullable=False)

    incidents = relationship(
        "Incident", back_populates="contract", cascade="all, delete-orphan", order_by="Incident.id"
    )

    __mapper_args__ = {"polymorphic_identity": Service.LICENSE_MAINTENANCE.value}


# Incident / LentNumber (and their parents' relationships) have the same shape, one table per child
# record of the engine dataclass: the duplicates tool pairs them, there is no logic to share.
class Incident(Base):
    """A purchased pack of paid technical-support incidents (valid 1 year from purchase)."""

    __tablename__ = "incidents"

    id = Column(Integer, primary_key=True, autoincrement=True)
    contract_id = Column(
        Integer, ForeignKey("license_maintenance_contracts.id", ondelete="CASCADE"), nullable=False, index=True
    )
    purchased = Column(Date, nullable=False)
    remaining = Column(Integer, nullable=False)

    contract = relationship("LicenseMaintenanceContract", back_populates="incidents")


class HaasContract(Contract):
    __tablename__ = "haas_contracts"

    id = Column(Integer, ForeignKey("contracts.id", ondelete="CASCADE"), primary_key=True)
    product = Column(String(200), nullable=False)
    purchased = Column(Date, nullable=False)
    warranty_no = Column(String(64), nullable=False)
    handson_used = Column(Integer, nullable=False, default=0)

    __mapper_args__ = {"polymorphic_identity": Service.HAAS.value}


class RentalContract(Contract):
    __tablename__ = "rental_contracts"

    id = Column(Integer, ForeignKey("contracts.id", ondelete="CASCADE"), primary_key=True)
    device = Column(String(200), nullable=False)
    plan = Column(String(200), nullable=False)
    monthly_fee = Column(Integer, nullable=False)       # 税込
    course = Column(String(16), nullable=False)
    course_start = Column(Date, nullable=False)
    omatome_months = Column(Integer, nullable=True)
    anshin = Column(String(16), nullable=False, default="none")
    anshin_start = Column(Date, nullable=True)
    anshin_changes_used = Column(Integer, nullable=False, default=0)
    payment = Column(String(16), nullable=False)
    applied = Column(Date, nullable=False)

    __mapper_args__ = {"polymorphic_identity": Service.RENTAL.value}


class PhoneAnsweringContract(Contract):
    __tablename__ = "phone_answering_contracts"

    id = Column(Integer, ForeignKey("contracts.id", ondelete="CASCADE"), primary_key=True)
    start = Column(Date, nullable=True)                 # None: starts when the number is notified
    base_fee = Column(Integer, nullable=False)          # 税込
    trial_used = Column(Boolean, nullable=False, default=False)

    numbers = relationship(
        "LentNumber", back_populates="contract", cascade="all, delete-orphan", order_by="LentNumber.id"
    )

    __mapper_args__ = {"polymorphic_identity": Service.PHONE_ANSWERING.value}


class LentNumber(Base):
    """A phone number lent for 電話代行: a forwarding target or a display number, never both."""

    __tablename__ = "numbers"

    id = Column(Integer, primary_key=True, autoincrement=True)
    contract_id = Column(
        Integer, ForeignKey("phone_answering_contracts.id", ondelete="CASCADE"), nullable=False, index=True
    )
    number = Column(String(40), nullable=False)
    use = Column(String(16), nullable=False)

    contract = relationship("PhoneAnsweringContract", back_populates="numbers")


def contract_model(service: str) -> type[Contract]:
    """The table model of a service's contracts (a `Service` or its key)."""
    return Contract.__mapper__.polymorphic_map[Service(service).value].class_


def contract_models() -> list[type[Contract]]:
    return [mapper.class_ for mapper in Contract.__mapper__.self_and_descendants if mapper.class_ is not Contract]


# ---- in-chat verification limits (bot/identity/attempts.py, bot/identity/limits.py) ------------------------------------------

class VerificationFailure(Base):
    """One failed in-chat verification attempt, per contract number or per client (keyed hashes)."""

    __tablename__ = "verification_failures"

    id = Column(Integer, primary_key=True, autoincrement=True)
    scope = Column(String(16), nullable=False)          # "contract" | "client"
    key = Column(String(64), nullable=False)            # HMAC of the contract number / client id
    at = Column(Float, nullable=False)                  # Unix time

    __table_args__ = (Index("ix_verification_failures_scope_key_at", "scope", "key", "at"),)


class VerificationLock(Base):
    """In-chat verification refused for this contract number / client until `until` (Unix time)."""

    __tablename__ = "verification_locks"

    scope = Column(String(16), primary_key=True)
    key = Column(String(64), primary_key=True)
    until = Column(Float, nullable=False)
