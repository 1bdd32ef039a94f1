"""Account fixture files (format: shared spec interfaces.md): validate the whole file, then import.

A file with any problem is rejected whole and nothing is written; every problem names the account
id and the field. A valid file is upserted in one transaction.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional

import yaml

from bot.engine import contracts as e
from bot.engine import services
from bot.privacy import phones
from bot.storage import repository
from bot.storage.db import session_scope
from bot.storage.fields import Fields

# ---- YAML loading: dates stay text (we check them ourselves), duplicate keys are errors ----


class _Loader(yaml.SafeLoader):
    pass


# PyYAML would turn 2026-02-30 into a crash; keep every scalar that looks like a date as text.
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_mapping(loader: _Loader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


# ---- problems -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Problem:
    account_id: Optional[str]   # None when the account has no usable id
    position: int               # 1-based position in `accounts`, 0 for the file itself
    field: str
    message: str

    def __str__(self) -> str:
        if self.position == 0:
            where = "file"
        elif self.account_id:
            where = f"account {self.account_id}"
        else:
            where = f"account #{self.position} (no id)"
        return f"{where}: field '{self.field}': {self.message}" if self.field else f"{where}: {self.message}"


class FixtureError(Exception):
    def __init__(self, path: str, problems: list[Problem]):
        self.path = path
        self.problems = problems
        super().__init__(self.message())

    def message(self, limit: int = 50) -> str:
        lines = [f"{self.path}: rejected, nothing was written ({len(self.problems)} problem(s)):"]
        lines += [f"  - {p}" for p in self.problems[:limit]]
        if len(self.problems) > limit:
            lines.append(f"  ... and {len(self.problems) - limit} more")
        return "\n".join(lines)


@dataclass(frozen=True)
class ImportReport:
    path: str
    accounts: int
    created: int
    updated: int
    contracts: int


def _service(f: Fields) -> Optional[e.Service]:
    value = f.data.get("service")
    f.used.add("service")
    if value is None:
        f.report(f.where + "service", "is required")
        return None
    try:
        return e.Service(value)
    except ValueError:
        known = ", ".join(s.value for s in e.Service)
        f.report(f.where + "service", f"unknown service {value!r} (known: {known})")
        return None


def _once_per_file(contract: e.Contract, where: str, seen: dict, report: Callable[[str, str], None]) -> None:
    """Child values declared `once_per_file` (a lent number): reported when an earlier contract has one."""
    for f in e.record_fields(type(contract)):
        for child in getattr(contract, f.name) if f.many else ():
            for cf in e.record_fields(f.kind):
                verb, value = cf.valid.once_per_file, getattr(child, cf.name)
                if verb and (cf.kind, cf.name, value) in seen:
                    report(where + f.name, f"{cf.name} {value} is already {verb} in {seen[cf.kind, cf.name, value]}")
                if verb:
                    seen.setdefault((cf.kind, cf.name, value), contract.contract_no)


# ---- the whole file -------------------------------------------------------------------------

def parse(data: Any) -> tuple[list[e.Account], list[Problem]]:
    """Validate already-loaded YAML data; returns (accounts, problems). Accounts are only
    meaningful when problems is empty."""
    problems: list[Problem] = []
    if not isinstance(data, dict) or not isinstance(data.get("accounts"), list):
        return [], [Problem(None, 0, "accounts", "the file must be a mapping with an 'accounts' list")]
    extra = [k for k in data if k != "accounts"]
    if extra:
        problems.append(Problem(None, 0, str(extra[0]), "is not a known top-level key"))

    accounts: list[e.Account] = []
    seen_ids: dict[str, int] = {}
    seen_contracts: dict[str, str] = {}
    seen_once: dict[tuple, str] = {}
    for position, raw in enumerate(data["accounts"], start=1):
        account_id = raw.get("id") if isinstance(raw, dict) else None
        label = account_id if isinstance(account_id, str) and account_id.strip() else None

        def report(field: str, message: str, _label=label, _pos=position) -> None:
            problems.append(Problem(_label, _pos, field, message))

        if not isinstance(raw, dict):
            report("", "each account must be a mapping")
            continue
        f = Fields(raw, "", report)
        account_id = f.text("id")
        if account_id is not None:
            if account_id in seen_ids:
                report("id", f"duplicate id (also account #{seen_ids[account_id]})")
            seen_ids.setdefault(account_id, position)
        name, phone = f.text("name"), f.text("phone")
        if phone is not None and phones.last4(phone) is None:
            report("phone", f"must contain at least 4 digits, got {phone!r}")
        internet_line = f.text("internet_line", required=False, nullable=True)
        contracts = []
        for i, raw_contract in enumerate(f.items("contracts")):
            where = f"contracts[{i}]."
            if not isinstance(raw_contract, dict):
                report(where.rstrip("."), "must be a mapping")
                continue
            cf = Fields(raw_contract, where, report)
            contract_no = cf.text("contract_no")
            if contract_no is not None:
                cf.where = f"contracts[{i}] ({contract_no})."
                if contract_no in seen_contracts:
                    report(cf.where + "contract_no",
                           f"duplicate contract number (also in account {seen_contracts[contract_no]})")
                seen_contracts.setdefault(contract_no, account_id or f"#{position}")
            service = _service(cf)
            if service is None:
                continue
            if contract_no is not None and not services.contract_no_fits(service, contract_no):
                # the chat can only read numbers of this form back (verification, buttons)
                prefix = services.info(service).contract_prefix
                report(cf.where + "contract_no", f"must be {prefix}- and 3 to 8 digits for {service.value}, e.g. {prefix}-0001")
            contract = cf.record(e.contract_types()[service], contract_no=contract_no or "")
            cf.unknown()
            if contract is not None:
                _once_per_file(contract, cf.where, seen_once, report)
            if contract is not None and contract_no is not None:
                contracts.append(contract)
        f.unknown()
        if account_id and name and phone:
            accounts.append(e.Account(id=account_id, name=name, phone=phone, internet_line=internet_line,
                                      contracts=tuple(contracts)))
    return accounts, problems


def load(path: str | Path) -> list[e.Account]:
    """Read and validate a fixture file; raises FixtureError listing every problem."""
    path = str(path)
    try:
        with open(path, encoding="utf-8") as fh:
            data = yaml.load(fh, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except OSError as exc:
        raise FixtureError(path, [Problem(None, 0, "", f"cannot read the file: {exc.strerror}")]) from None
    except yaml.YAMLError as exc:
        raise FixtureError(path, [Problem(None, 0, "", f"not valid YAML: {exc}")]) from None
    except UnicodeDecodeError:
        raise FixtureError(path, [Problem(None, 0, "", "not UTF-8 text")]) from None
    accounts, problems = parse(data)
    if problems:
        raise FixtureError(path, problems)
    return accounts


def _ownership_problems(accounts: list[e.Account], url: Optional[str]) -> list[Problem]:
    """A contract number already owned by an account this file does not list cannot move."""
    in_file = {a.id for a in accounts}
    owners = repository.contract_owners([c.contract_no for a in accounts for c in a.contracts], url)
    problems = []
    for position, account in enumerate(accounts, start=1):
        for i, contract in enumerate(account.contracts):
            owner = owners.get(contract.contract_no)
            if owner is not None and owner != account.id and owner not in in_file:
                problems.append(Problem(account.id, position, f"contracts[{i}] ({contract.contract_no}).contract_no",
                                        f"already belongs to account {owner} in the database"))
    return problems


def import_file(path: str | Path, url: Optional[str] = None) -> ImportReport:
    """Validate the whole file, then upsert every account in one transaction."""
    accounts = load(path)
    problems = _ownership_problems(accounts, url)
    if problems:
        raise FixtureError(str(path), problems)
    with session_scope(url) as session:
        created, updated = repository.upsert_accounts(session, accounts)
    return ImportReport(path=str(path), accounts=len(accounts), created=created, updated=updated,
                        contracts=sum(len(a.contracts) for a in accounts))
