"""Base of every engine answer: typed figures plus the rule that produced them."""
from __future__ import annotations

from dataclasses import dataclass, fields, is_dataclass
from datetime import date
from decimal import Decimal
from enum import Enum
from fractions import Fraction
from typing import Any

POLICY_PREFIX = "当社の運用方針により、"


def policy(sentence: str) -> str:
    """A rule that is the operator's decision (the seed documents are silent) says so."""
    return POLICY_PREFIX + sentence


@dataclass(frozen=True, kw_only=True)
class Result:
    """`rule` is a Japanese sentence stating the rule applied, ready to show to the customer.

    Subclasses add typed figures and override `describe()` to put figures and rule together.
    """

    rule: str

    @property
    def is_policy(self) -> bool:
        """True when (part of) the rule is the operator's decision rather than a seed document's."""
        return POLICY_PREFIX in self.rule

    def describe(self) -> str:
        return self.rule

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready figures (dates as YYYY-MM-DD, prices as {excl, incl, basis}) plus `rule`
        and `text` (describe()), e.g. for a slot or a log line."""
        data = {f.name: _plain(getattr(self, f.name)) for f in fields(self)}
        data["text"] = self.describe()
        return data


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (Decimal, Fraction)):
        return float(value)
    if is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value
