"""Yen amounts and the 10 % consumption tax.

Operator's decision: tax is rounded down to the yen. A seed price is either 税込 or 税別;
`Price` keeps both figures and remembers which one the seed quoted.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

TAX_RATE_PERCENT = 10

Basis = Literal["税込", "税別"]


def yen(amount: int) -> str:
    """1650 -> '1,650円'."""
    return f"{amount:,}円"


def tax_on(amount_excl: int) -> int:
    """Consumption tax on a tax-excluded amount, rounded down."""
    return amount_excl * TAX_RATE_PERCENT // 100


def with_tax(amount_excl: int) -> int:
    return amount_excl + tax_on(amount_excl)


def tax_within(amount_incl: int) -> int:
    """Tax contained in a tax-included amount, rounded down (550 -> 50)."""
    return amount_incl * TAX_RATE_PERCENT // (100 + TAX_RATE_PERCENT)


@dataclass(frozen=True)
class Price:
    """A price with both figures. `basis` is how the seed (or computation) quotes it."""

    excl: int
    incl: int
    basis: Basis

    @classmethod
    def from_excl(cls, amount_excl: int) -> "Price":
        return cls(excl=amount_excl, incl=with_tax(amount_excl), basis="税別")

    @classmethod
    def from_incl(cls, amount_incl: int) -> "Price":
        return cls(excl=amount_incl - tax_within(amount_incl), incl=amount_incl, basis="税込")

    def __add__(self, other: "Price") -> "Price":
        basis = self.basis if self.basis == other.basis else "税別"
        return Price(self.excl + other.excl, self.incl + other.incl, basis)

    def times(self, n: int) -> "Price":
        """n units; tax is recomputed on the total so rounding happens once."""
        if self.basis == "税別":
            return Price.from_excl(self.excl * n)
        return Price.from_incl(self.incl * n)

    @property
    def quoted(self) -> str:
        """The figure the seed quotes, with its basis: '550円(税込)'."""
        amount = self.incl if self.basis == "税込" else self.excl
        return f"{yen(amount)}({self.basis})"

    @property
    def both(self) -> str:
        """Both figures, quoted one first: '1,500円(税別) = 1,650円(税込)'."""
        if self.basis == "税込":
            return f"{yen(self.incl)}(税込) = {yen(self.excl)}(税別)"
        return f"{yen(self.excl)}(税別) = {yen(self.incl)}(税込)"

    def __str__(self) -> str:
        return self.both


ZERO = Price(0, 0, "税込")  # nothing to pay


def tax_was_rounded(*prices: Price) -> bool:
    """True when a tax-excluded figure's tax had a fraction of a yen (cut off)."""
    return any(p.basis == "税別" and p.excl * TAX_RATE_PERCENT % 100 for p in prices)
