"""Read and write accounts as engine dataclasses (each service's, `bot.engine.contracts.contract_types()`);
the ORM stays in here.

Every function takes an optional `url` (default: bot.settings.db_url()).
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, Iterable, Optional

from sqlalchemy import func, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session, selectin_polymorphic, selectinload

from bot.engine import contracts as e
from bot.engine import services
from bot.nlu.normalize import normalize
from bot.privacy import phones
from bot.storage import models as m
from bot.storage.db import session_scope

@dataclass(frozen=True)
class AccountSummary:
    id: str
    name: str
    phone: str
    internet_line: Optional[str]
    contract_nos: tuple[str, ...]
    services: tuple[str, ...]


# ---- ORM <-> engine, field by field: a row's columns and child relationships carry the names of its
# dataclass's fields (models.py); enums are stored as their values.

def _to_record(cls: type, row: Any) -> Any:
    """The engine dataclass `cls` (a contract or a child record) from its ORM row."""
    values = {}
    for f in e.record_fields(cls):
        raw = getattr(row, f.name)
        if f.many:
            values[f.name] = tuple(_to_record(f.kind, child) for child in raw)
        elif raw is not None and issubclass(f.kind, Enum):
            values[f.name] = f.kind(raw)
        else:
            values[f.name] = raw
    return cls(**values)


def _to_contract(row: m.Contract) -> e.Contract:
    return _to_record(e.contract_types()[e.Service(row.service)], row)


def _to_account(row: m.Customer) -> e.Account:
    return e.Account(id=row.id, name=row.name, phone=row.phone, internet_line=row.internet_line,
                     contracts=tuple(_to_contract(c) for c in row.contracts))


def _fill(row: Any, record: Any) -> None:
    """Copy an engine record's fields onto its ORM row (child rows replaced)."""
    relationships = sa_inspect(type(row)).relationships
    for f in e.record_fields(type(record)):
        value = getattr(record, f.name)
        if f.many:
            model = relationships[f.name].mapper.class_
            value = [_new_row(model, child) for child in value]
        elif isinstance(value, Enum):
            value = value.value
        setattr(row, f.name, value)


def _new_row(model: type, record: Any) -> Any:
    row = model()
    _fill(row, record)
    return row


def _load_options():
    return (selectinload(m.Customer.contracts).options(selectin_polymorphic(m.Contract, m.contract_models())),)


def _customer_rows(session: Session, ids: Optional[Iterable[str]] = None) -> list[m.Customer]:
    query = select(m.Customer).options(*_load_options()).order_by(m.Customer.id)
    if ids is not None:
        query = query.where(m.Customer.id.in_(list(ids)))
    # Children of the contract rows (incidents, numbers) load lazily: callers convert inside the session.
    return session.execute(query).scalars().all()


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
                row = m.contract_model(contract.service)(contract_no=contract.contract_no)
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
