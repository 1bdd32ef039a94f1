"""Read and write accounts as engine dataclasses (bot.engine.contracts); the ORM stays in here.

Every function takes an optional `url` (default: bot.settings.db_url()).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectin_polymorphic, selectinload

from bot.engine import contracts as e
from bot.engine import services
from bot.nlu.normalize import normalize
from bot.privacy import phones
from bot.storage import models as m
from bot.storage.db import session_scope

ORM_CLASSES = {
    e.Service.REMOTE_SUPPORT: m.RemoteSupportContract,
    e.Service.LICENSE_MAINTENANCE: m.LicenseMaintenanceContract,
    e.Service.HAAS: m.HaasContract,
    e.Service.RENTAL: m.RentalContract,
    e.Service.PHONE_ANSWERING: m.PhoneAnsweringContract,
}


@dataclass(frozen=True)
class AccountSummary:
    id: str
    name: str
    phone: str
    internet_line: Optional[str]
    contract_nos: tuple[str, ...]
    services: tuple[str, ...]


# ---- ORM -> engine --------------------------------------------------------------------------

def _to_contract(row: m.Contract) -> e.Contract:
    if isinstance(row, m.RemoteSupportContract):
        return e.RemoteSupportContract(contract_no=row.contract_no, start=row.start, end=row.end)
    if isinstance(row, m.LicenseMaintenanceContract):
        return e.LicenseMaintenanceContract(
            contract_no=row.contract_no, purchased=row.purchased, licenses=row.licenses,
            unit_price=row.unit_price, maintenance_start=row.maintenance_start,
            incidents=tuple(e.IncidentPack(purchased=i.purchased, remaining=i.remaining) for i in row.incidents),
        )
    if isinstance(row, m.HaasContract):
        return e.HaasContract(contract_no=row.contract_no, product=row.product, purchased=row.purchased,
                              warranty_no=row.warranty_no, handson_used=row.handson_used)
    if isinstance(row, m.RentalContract):
        return e.RentalContract(
            contract_no=row.contract_no, device=row.device, plan=row.plan, monthly_fee=row.monthly_fee,
            course=e.Course(row.course), course_start=row.course_start, applied=row.applied,
            payment=e.Payment(row.payment), omatome_months=row.omatome_months, anshin=e.Anshin(row.anshin),
            anshin_start=row.anshin_start, anshin_changes_used=row.anshin_changes_used,
        )
    if isinstance(row, m.PhoneAnsweringContract):
        return e.PhoneAnsweringContract(
            contract_no=row.contract_no, start=row.start, base_fee=row.base_fee, trial_used=row.trial_used,
            numbers=tuple(e.LentNumber(number=n.number, use=e.NumberUse(n.use)) for n in row.numbers),
        )
    raise TypeError(f"unknown contract row {type(row).__name__}")


def _to_account(row: m.Customer) -> e.Account:
    return e.Account(id=row.id, name=row.name, phone=row.phone, internet_line=row.internet_line,
                     contracts=tuple(_to_contract(c) for c in row.contracts))


# ---- engine -> ORM --------------------------------------------------------------------------

def _fill(row: m.Contract, contract: e.Contract) -> None:
    """Copy the engine contract's fields onto its ORM row (children replaced)."""
    if isinstance(contract, e.RemoteSupportContract):
        row.start, row.end = contract.start, contract.end
    elif isinstance(contract, e.LicenseMaintenanceContract):
        row.purchased, row.licenses = contract.purchased, contract.licenses
        row.unit_price, row.maintenance_start = contract.unit_price, contract.maintenance_start
        row.incidents = [m.Incident(purchased=i.purchased, remaining=i.remaining) for i in contract.incidents]
    elif isinstance(contract, e.HaasContract):
        row.product, row.purchased = contract.product, contract.purchased
        row.warranty_no, row.handson_used = contract.warranty_no, contract.handson_used
    elif isinstance(contract, e.RentalContract):
        row.device, row.plan, row.monthly_fee = contract.device, contract.plan, contract.monthly_fee
        row.course, row.course_start = contract.course.value, contract.course_start
        row.omatome_months, row.anshin = contract.omatome_months, contract.anshin.value
        row.anshin_start, row.anshin_changes_used = contract.anshin_start, contract.anshin_changes_used
        row.payment, row.applied = contract.payment.value, contract.applied
    elif isinstance(contract, e.PhoneAnsweringContract):
        row.start, row.base_fee, row.trial_used = contract.start, contract.base_fee, contract.trial_used
        row.numbers = [m.LentNumber(number=n.number, use=n.use.value) for n in contract.numbers]
    else:
        raise TypeError(f"unknown contract {type(contract).__name__}")


def _load_options():
    return (
        selectinload(m.Customer.contracts).options(
            selectin_polymorphic(m.Contract, list(ORM_CLASSES.values())),
        ),
    )


def _customer_rows(session: Session, ids: Optional[Iterable[str]] = None) -> list[m.Customer]:
    query = select(m.Customer).options(*_load_options()).order_by(m.Customer.id)
    if ids is not None:
        query = query.where(m.Customer.id.in_(list(ids)))
    rows = session.execute(query).scalars().all()
    # Children of the subclass rows (incidents, numbers) load lazily inside the session.
    for row in rows:
        for contract in row.contracts:
            if isinstance(contract, m.LicenseMaintenanceContract):
                contract.incidents  # noqa: B018 - load now
            elif isinstance(contract, m.PhoneAnsweringContract):
                contract.numbers  # noqa: B018
    return rows


def upsert_accounts(session: Session, accounts: Iterable[e.Account]) -> tuple[int, int]:
    """Create or update each account; its contract set becomes exactly the given one.

    Returns (created, updated). The caller owns the transaction.
    """
    accounts = list(accounts)
    created = updated = 0
    customers = {}
    # Pass 1: drop contracts that are gone (or changed service) first, so a contract number
    # that moves from one account to another in the same file never collides.
    for account in accounts:
        customer = session.get(m.Customer, account.id)
        if customer is None:
            customer = m.Customer(id=account.id)
            session.add(customer)
            created += 1
        else:
            updated += 1
        customers[account.id] = customer
        customer.name, customer.phone, customer.internet_line = account.name, account.phone, account.internet_line
        wanted = {c.contract_no: c.service.value for c in account.contracts}
        for row in list(customer.contracts):
            if wanted.get(row.contract_no) != row.service:
                customer.contracts.remove(row)
    session.flush()
    # Pass 2: write the fields and the contracts.
    for account in accounts:
        customer = customers[account.id]
        existing = {c.contract_no: c for c in customer.contracts}
        for contract in account.contracts:
            row = existing.get(contract.contract_no)
            if row is None:
                row = ORM_CLASSES[contract.service](contract_no=contract.contract_no)
                customer.contracts.append(row)
            _fill(row, contract)
    session.flush()
    return created, updated


# ---- queries used by the chat actions -------------------------------------------------------

def load_account(account_id: str, url: Optional[str] = None) -> Optional[e.Account]:
    """The account with all its contracts, or None."""
    with session_scope(url) as session:
        rows = _customer_rows(session, [account_id])
        return _to_account(rows[0]) if rows else None


def account_exists(account_id: str, url: Optional[str] = None) -> bool:
    with session_scope(url) as session:
        return session.get(m.Customer, account_id) is not None


def find_by_contract_no(contract_no: str, url: Optional[str] = None) -> Optional[tuple[str, e.Contract]]:
    """(account_id, contract) for a contract number (NFKC-normalised, case-insensitive), or None."""
    wanted = normalize_contract_no(contract_no)
    with session_scope(url) as session:
        row = session.execute(
            select(m.Contract).where(func.upper(m.Contract.contract_no) == wanted)
        ).scalars().first()
        if row is None:
            return None
        account = _to_account(_customer_rows(session, [row.customer_id])[0])
        return account.id, account.contract(row.contract_no)


def normalize_contract_no(text: str) -> str:
    """'ｒｔ－０００１' -> 'RT-0001' (NFKC, upper case, dash variants)."""
    return services.comparable_contract_no(normalize(text))


def verify_phone_last4(contract_no: str, last4: str, url: Optional[str] = None) -> Optional[str]:
    """In-chat verification: the account id when the registered phone ends with these 4 digits."""
    given = phones.digits(last4)
    if len(given) != 4:
        return None
    wanted = normalize_contract_no(contract_no)
    with session_scope(url) as session:
        row = session.execute(
            select(m.Customer.id, m.Customer.phone)
            .join(m.Contract, m.Contract.customer_id == m.Customer.id)
            .where(func.upper(m.Contract.contract_no) == wanted)
        ).first()
    if row is None:
        return None
    return row.id if phones.last4(row.phone) == given else None


def list_accounts(url: Optional[str] = None) -> list[AccountSummary]:
    with session_scope(url) as session:
        return [
            AccountSummary(
                id=row.id, name=row.name, phone=row.phone, internet_line=row.internet_line,
                contract_nos=tuple(c.contract_no for c in row.contracts),
                services=tuple(c.service for c in row.contracts),
            )
            for row in _customer_rows(session)
        ]


def count_customers(url: Optional[str] = None) -> int:
    with session_scope(url) as session:
        return session.execute(select(func.count()).select_from(m.Customer)).scalar_one()


def contract_owners(contract_nos: Iterable[str], url: Optional[str] = None) -> dict[str, str]:
    """contract_no -> owning account id, for those that exist (fixture validation)."""
    wanted = list(contract_nos)
    if not wanted:
        return {}
    with session_scope(url) as session:
        rows = session.execute(
            select(m.Contract.contract_no, m.Contract.customer_id).where(m.Contract.contract_no.in_(wanted))
        ).all()
    return {no: owner for no, owner in rows}
