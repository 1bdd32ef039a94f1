"""Base of every engine answer: typed figures plus the rule that produced them."""
from __future__ import annotations

from dataclasses import dataclass

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
