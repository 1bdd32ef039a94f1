"""What every contract record shares, independent of the database.

Each service's contract dataclass lives in its engine module (`bot.engine.<key>`, exported there as
`CONTRACT`); this module holds the account, the `Contract` interface they all follow, the lookup of a
service's dataclass through the registry (`contract_types()`) and `Valid`, how a field states what a
valid value is beyond its type. Field names follow the account fixture format (shared spec
interfaces.md): the fixture import (bot/storage/fixtures.py) and the repository read and write each
dataclass by its fields, so a sixth service's contract is declared once, in its engine module.
"""
from __future__ import annotations

import dataclasses
import importlib
import typing
from dataclasses import dataclass
from enum import Enum
from functools import cache
from typing import Any, Optional, Protocol, Union

from bot.engine.services import SERVICES, Service

SERVICE_NAMES = {s.key: s.name for s in SERVICES}


class Contract(Protocol):
    """Any service's contract dataclass: frozen, with its number and its `service` (init=False)."""

    contract_no: str
    service: Service


@cache
def contract_types() -> dict[Service, type]:
    """Each service's contract dataclass: the `CONTRACT` of its engine module, in registry order
    (imported here, not at the top: the engine modules import this one)."""
    types = {s.key: importlib.import_module(f"bot.engine.{s.key.value}").CONTRACT for s in SERVICES}
    wrong = [cls.__name__ for key, cls in types.items() if cls.service != key]
    if wrong:
        raise TypeError(f"contract dataclasses whose `service` default is not their module's: {wrong}")
    return types


@dataclass(frozen=True)
class Valid:
    """What a valid value of a contract field is beyond its type, for data from outside (the fixture
    import). Put on a field as `field(metadata=valid(...))`."""

    minimum: Optional[int] = None               # a whole number: at least this (else at least 0)
    not_before: Optional[str] = None            # a date: not before this other date field
    default_from: Optional[str] = None          # absent: the value of this other field
    required_for: Optional[tuple[str, Enum]] = None     # required when that field has this value
    required_unless: Optional[tuple[str, Enum]] = None  # required when that field has another value
    once_per_file: Optional[str] = None         # one contract per file has it; the verb: "lent"


VALID = "valid"   # the metadata key


def valid(**rules) -> dict:
    return {VALID: Valid(**rules)}


@dataclass(frozen=True)
class RecordField:
    """One field of a contract dataclass (or of a child record such as an incident pack), read from its
    annotation: what the fixture import and the repository convert it by."""

    name: str
    kind: type          # str, int, bool, date, an Enum, or the child dataclass of a tuple
    optional: bool      # Optional[...]: may be None
    many: bool          # tuple[Child, ...]: a list of child records
    default: Any        # dataclasses.MISSING when the record needs it
    valid: Valid


@cache
def record_fields(cls: type) -> tuple[RecordField, ...]:
    """The fields a record is built from (`service`, init=False, is not one)."""
    hints = typing.get_type_hints(cls)
    found = []
    for f in dataclasses.fields(cls):
        if not f.init:
            continue
        kind, optional, many = hints[f.name], False, False
        if typing.get_origin(kind) is Union:
            kind, optional = next(a for a in typing.get_args(kind) if a is not type(None)), True
        if typing.get_origin(kind) is tuple:
            kind, many = typing.get_args(kind)[0], True
        found.append(RecordField(f.name, kind, optional, many, f.default, f.metadata.get(VALID, Valid())))
    return tuple(found)


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
