"""One mapping of an account fixture file read into an engine dataclass, field by field.

What a field accepts comes from the dataclass (bot.engine.contracts.record_fields): its type (text,
whole number, date YYYY-MM-DD, true/false, one of an enum's values, a list of child mappings), whether it
is Optional (may be null or absent) or has a default (may be absent), and its declared `Valid` rules.
Every problem names the field; the messages are the fixture format's (bot/storage/README.md).
"""
from __future__ import annotations

import dataclasses
import re
from datetime import date
from enum import Enum
from typing import Any, Callable, Optional

from bot.engine import contracts as e

_MISSING = object()
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class _Bad(ValueError):
    """A value that is not of its field's type; the message says what it must be."""


def _text(value: Any, rules: e.Valid) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        # e.g. an unquoted 0312345670 is read by YAML as a number
        raise _Bad(f"must be text, got the number {value!r} (put it in quotes)")
    if not isinstance(value, str) or not value.strip():
        raise _Bad(f"must be a non-empty text, got {value!r}")
    return value.strip()


def _day(value: Any, rules: e.Valid) -> date:
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not _DATE.match(value):
        raise _Bad(f"must be a date written YYYY-MM-DD, got {value!r}")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _Bad(f"{value} is not a date that exists") from None


def _whole(value: Any, rules: e.Valid) -> int:
    minimum = rules.minimum or 0
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Bad(f"must be a whole number, got {value!r}")
    if value < minimum:
        raise _Bad(f"must be at least {minimum}, got {value}")
    return value


def _yes_no(value: Any, rules: e.Valid) -> bool:
    if not isinstance(value, bool):
        raise _Bad(f"must be true or false, got {value!r}")
    return value


def _choice(enum: type) -> Callable[[Any, e.Valid], Any]:
    def read(value: Any, rules: e.Valid):
        allowed = [member.value for member in enum]
        if value not in allowed:
            raise _Bad(f"must be one of {', '.join(allowed)}, got {value!r}")
        return enum(value)
    return read


def _items(value: Any, rules: e.Valid) -> list:
    if not isinstance(value, list):
        raise _Bad(f"must be a list, got {value!r}")
    return value


_READERS = {str: _text, date: _day, int: _whole, bool: _yes_no}


def _reader(cls: type, f: e.RecordField) -> Callable[[Any, e.Valid], Any]:
    if f.kind not in _READERS:   # a new field type needs its reader here first
        raise TypeError(f"{cls.__name__}.{f.name}: no fixture reader for {f.kind!r}")
    return _READERS[f.kind]


class Fields:
    """Reads one mapping's fields; a bad field records a Problem and reads as None.

    `ok` stays True while no problem was found in this mapping (or its child records), so a record
    is built only from fully valid data.
    """

    def __init__(self, data: dict, where: str, report: Callable[[str, str], None]):
        self.data, self.where, self._report = data, where, report
        self.used: set[str] = set()
        self.ok = True

    def report(self, field: str, message: str) -> None:
        self.ok = False
        self._report(field, message)

    def read(self, key: str, convert: Callable, rules: e.Valid = e.Valid(), *, required: bool = True,
             nullable: bool = False, default: Any = None) -> Any:
        """The converted value; `default` when absent or null and allowed (a problem is reported if not)."""
        self.used.add(key)
        value = self.data.get(key, _MISSING)
        if value is _MISSING or value is None:
            if value is _MISSING and required:
                self.report(self.where + key, "is required")
            elif value is None and not nullable:
                self.report(self.where + key, "must not be null")
            return default
        try:
            return convert(value, rules)
        except _Bad as bad:
            self.report(self.where + key, str(bad))
            return None

    def text(self, key: str, required: bool = True, nullable: bool = False) -> Optional[str]:
        return self.read(key, _text, required=required, nullable=nullable)

    def items(self, key: str) -> list:
        return self.read(key, _items, required=False, nullable=True) or []

    def record(self, cls: type, **given: Any) -> Any:
        """An instance of the dataclass `cls` read by its fields (bot.engine.contracts.record_fields), or
        None when any field was bad."""
        values = dict(given)
        fields = [f for f in e.record_fields(cls) if f.name not in given]
        for f in fields:
            if f.many:
                values[f.name] = tuple(self._children(f.name, f.kind))
                continue
            convert = _choice(f.kind) if issubclass(f.kind, Enum) else _reader(cls, f)
            optional = f.optional or f.default is not dataclasses.MISSING or f.valid.default_from is not None
            default = None if f.default is dataclasses.MISSING else f.default
            values[f.name] = self.read(f.name, convert, f.valid, required=not optional, nullable=f.optional,
                                       default=default)
        for f in fields:
            self._check(f, values)
        return cls(**values) if self.ok else None

    def _check(self, f: e.RecordField, values: dict) -> None:
        """The field's rules beyond its type (bot.engine.contracts.Valid)."""
        rules, value = f.valid, values[f.name]
        if rules.default_from and value is None and f.name not in self.data:
            value = values[f.name] = values[rules.default_from]
        if rules.not_before and value and values[rules.not_before] and value < values[rules.not_before]:
            self.report(self.where + f.name, f"{value} is before {rules.not_before} {values[rules.not_before]}")
        if value is None and self.ok:   # "required when": only once the rest of the record is valid
            if rules.required_for and values[rules.required_for[0]] == rules.required_for[1]:
                self.report(self.where + f.name, f"is required for {rules.required_for[0]} {rules.required_for[1].value}")
            other = values[rules.required_unless[0]] if rules.required_unless else None
            if other is not None and other != rules.required_unless[1]:
                self.report(self.where + f.name, f"is required when {rules.required_unless[0]} is {other.value}")

    def _children(self, key: str, cls: type) -> list:
        """A list of small mappings (incidents, numbers), each read as the child dataclass `cls`."""
        result = []
        for i, raw in enumerate(self.items(key)):
            where = f"{self.where}{key}[{i}]."
            if not isinstance(raw, dict):
                self.report(where.rstrip("."), "must be a mapping")
                continue
            sub = Fields(raw, where, self.report)
            value = sub.record(cls)
            sub.unknown()
            if sub.ok:
                result.append(value)
        return result

    def unknown(self) -> None:
        for key in self.data:
            if key not in self.used:
                self.report(self.where + str(key), "is not a known field")
