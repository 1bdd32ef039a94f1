"""Account fixture files (format: shared spec interfaces.md): validate the whole file, then import.

A file with any problem is rejected whole and nothing is written; every problem names the account
id and the field. A valid file is upserted in one transaction.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Callable, Optional

import yaml

from bot.engine import contracts as e
from bot.engine import services
from bot.privacy import phones
from bot.storage import repository
from bot.storage.db import session_scope

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


# ---- field checks ---------------------------------------------------------------------------

_MISSING = object()
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class _Fields:
    """Reads one mapping's fields; a bad field records a Problem and reads as None.

    `ok` stays True while no problem was found in this mapping, so parsers build a record
    only from fully valid data.
    """

    def __init__(self, data: dict, where: str, report: Callable[[str, str], None]):
        self.data, self.where, self._report = data, where, report
        self.used: set[str] = set()
        self.ok = True

    def report(self, field: str, message: str) -> None:
        self.ok = False
        self._report(field, message)

    def _get(self, key: str, required: bool, nullable: bool) -> Any:
        """The raw value, or _MISSING when absent/null and allowed (a problem is reported if not)."""
        self.used.add(key)
        value = self.data.get(key, _MISSING)
        if value is _MISSING and required:
            self.report(self.where + key, "is required")
        elif value is None and not nullable:
            self.report(self.where + key, "must not be null")
            return _MISSING
        return _MISSING if value is None else value

    def text(self, key: str, required: bool = True, nullable: bool = False) -> Optional[str]:
        value = self._get(key, required, nullable)
        if value is _MISSING:
            return None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            # e.g. an unquoted 0312345670 is read by YAML as a number
            self.report(self.where + key, f"must be text, got the number {value!r} (put it in quotes)")
            return None
        if not isinstance(value, str) or not value.strip():
            self.report(self.where + key, f"must be a non-empty text, got {value!r}")
            return None
        return value.strip()

    def day(self, key: str, required: bool = True, nullable: bool = False) -> Optional[date]:
        value = self._get(key, required, nullable)
        if value is _MISSING:
            return None
        if isinstance(value, date):
            return value
        if not isinstance(value, str) or not _DATE.match(value):
            self.report(self.where + key, f"must be a date written YYYY-MM-DD, got {value!r}")
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.report(self.where + key, f"{value} is not a date that exists")
            return None

    def integer(self, key: str, required: bool = True, minimum: int = 0, nullable: bool = False,
                default: Optional[int] = None) -> Optional[int]:
        value = self._get(key, required, nullable)
        if value is _MISSING:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            self.report(self.where + key, f"must be a whole number, got {value!r}")
            return None
        if value < minimum:
            self.report(self.where + key, f"must be at least {minimum}, got {value}")
            return None
        return value

    def boolean(self, key: str, default: bool = False) -> Optional[bool]:
        value = self._get(key, False, False)
        if value is _MISSING:
            return default
        if not isinstance(value, bool):
            self.report(self.where + key, f"must be true or false, got {value!r}")
            return None
        return value

    def choice(self, key: str, enum: type, required: bool = True, default: Any = None):
        value = self._get(key, required, False)
        if value is _MISSING:
            return default
        allowed = [member.value for member in enum]
        if value not in allowed:
            self.report(self.where + key, f"must be one of {', '.join(allowed)}, got {value!r}")
            return None
        return enum(value)

    def items(self, key: str) -> list:
        value = self._get(key, False, True)
        if value is _MISSING:
            return []
        if not isinstance(value, list):
            self.report(self.where + key, f"must be a list, got {value!r}")
            return []
        return value

    def unknown(self) -> None:
        for key in self.data:
            if key not in self.used:
                self.report(self.where + str(key), "is not a known field")


# ---- one parser per service (each returns None when any field was bad) ---------------------

def _sub_items(f: _Fields, key: str, read: Callable[[_Fields], Any]) -> list:
    """Parse a list of small mappings (incidents, numbers) with `read`."""
    result = []
    for i, raw in enumerate(f.items(key)):
        where = f"{f.where}{key}[{i}]."
        if not isinstance(raw, dict):
            f.report(where.rstrip("."), "must be a mapping")
            continue
        sub = _Fields(raw, where, f.report)
        value = read(sub)
        sub.unknown()
        if sub.ok:
            result.append(value)
    return result


def _remote_support(f: _Fields, no: str) -> Optional[e.Contract]:
    start, end = f.day("start"), f.day("end", required=False, nullable=True)
    if start and end and end < start:
        f.report(f.where + "end", f"{end} is before start {start}")
    return e.RemoteSupportContract(contract_no=no, start=start, end=end) if f.ok else None


def _license_maintenance(f: _Fields, no: str) -> Optional[e.Contract]:
    purchased = f.day("purchased")
    licenses = f.integer("licenses", minimum=1)
    unit_price = f.integer("unit_price")
    maintenance_start = f.day("maintenance_start", required=False) or purchased
    packs = _sub_items(f, "incidents", lambda sub: e.IncidentPack(
        purchased=sub.day("purchased"), remaining=sub.integer("remaining")))
    if purchased and maintenance_start and maintenance_start < purchased:
        f.report(f.where + "maintenance_start", f"{maintenance_start} is before purchased {purchased}")
    if not f.ok:
        return None
    return e.LicenseMaintenanceContract(contract_no=no, purchased=purchased, licenses=licenses,
                                        unit_price=unit_price, maintenance_start=maintenance_start,
                                        incidents=tuple(packs))


def _haas(f: _Fields, no: str) -> Optional[e.Contract]:
    product, purchased, warranty = f.text("product"), f.day("purchased"), f.text("warranty_no")
    used = f.integer("handson_used", required=False, default=0)
    if not f.ok:
        return None
    return e.HaasContract(contract_no=no, product=product, purchased=purchased, warranty_no=warranty,
                          handson_used=used)


def _rental(f: _Fields, no: str) -> Optional[e.Contract]:
    values = dict(
        device=f.text("device"), plan=f.text("plan"), monthly_fee=f.integer("monthly_fee"),
        course=f.choice("course", e.Course), course_start=f.day("course_start"),
        payment=f.choice("payment", e.Payment), applied=f.day("applied"),
        omatome_months=f.integer("omatome_months", required=False, minimum=1, nullable=True),
        anshin=f.choice("anshin", e.Anshin, required=False, default=e.Anshin.NONE),
        anshin_start=f.day("anshin_start", required=False, nullable=True),
        anshin_changes_used=f.integer("anshin_changes_used", required=False, default=0),
    )
    if values["course"] == e.Course.OMATOME and values["omatome_months"] is None and f.ok:
        f.report(f.where + "omatome_months", "is required for course omatome")
    if values["anshin"] not in (None, e.Anshin.NONE) and values["anshin_start"] is None and f.ok:
        f.report(f.where + "anshin_start", f"is required when anshin is {values['anshin'].value}")
    return e.RentalContract(contract_no=no, **values) if f.ok else None


def _phone_answering(f: _Fields, no: str) -> Optional[e.Contract]:
    start = f.day("start", required=False, nullable=True)
    base_fee = f.integer("base_fee")
    trial_used = f.boolean("trial_used")
    numbers = _sub_items(f, "numbers", lambda sub: e.LentNumber(
        number=sub.text("number"), use=sub.choice("use", e.NumberUse)))
    if not f.ok:
        return None
    return e.PhoneAnsweringContract(contract_no=no, start=start, base_fee=base_fee, numbers=tuple(numbers),
                                    trial_used=trial_used)


PARSERS = {
    e.Service.REMOTE_SUPPORT: _remote_support,
    e.Service.LICENSE_MAINTENANCE: _license_maintenance,
    e.Service.HAAS: _haas,
    e.Service.RENTAL: _rental,
    e.Service.PHONE_ANSWERING: _phone_answering,
}


def _service(f: _Fields) -> Optional[e.Service]:
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
    seen_numbers: dict[str, str] = {}
    for position, raw in enumerate(data["accounts"], start=1):
        account_id = raw.get("id") if isinstance(raw, dict) else None
        label = account_id if isinstance(account_id, str) and account_id.strip() else None

        def report(field: str, message: str, _label=label, _pos=position) -> None:
            problems.append(Problem(_label, _pos, field, message))

        if not isinstance(raw, dict):
            report("", "each account must be a mapping")
            continue
        f = _Fields(raw, "", report)
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
            cf = _Fields(raw_contract, where, report)
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
            contract = PARSERS[service](cf, contract_no or "")
            cf.unknown()
            if isinstance(contract, e.PhoneAnsweringContract):
                for n in contract.numbers:
                    if n.number in seen_numbers:
                        report(cf.where + "numbers", f"number {n.number} is already lent in {seen_numbers[n.number]}")
                    seen_numbers.setdefault(n.number, contract_no or "")
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
