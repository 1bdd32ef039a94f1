"""One account question: which contracts it is about, how it is answered, and its general rule.

A service module (bot/answers/<service>.py) declares its questions; bot/answers/__init__.py
collects them into the registry. `faq` names the FAQ topics whose answer, for an identified
customer, is this computation (the dialogue chooses by who asks, not by wording).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Callable, Optional, Union

from bot.engine.contracts import Account, Contract, Service
from bot.engine.format import jdate_w
from bot.nlu.params import Params

# How a question uses the date the customer names (else today):
AS_OF = "as_of"        # the state on that day (past or future both make sense)
FUTURE = "future"      # an application/cancellation/delivery day: a past day gets a question back
NO_DATE = "none"       # the date plays no part


@dataclass(frozen=True)
class Case:
    """Everything an answer may use: the account, the chosen contract, the date and the message's params."""

    account: Optional[Account]            # None only for questions answered alike for everyone
    contract: Optional[Contract]
    today: date
    params: Params
    covered: tuple[Contract, ...] = ()     # all_contracts questions: the contracts the answer is about

    @property
    def day(self) -> date:
        """The day the customer named (when it exists), else today."""
        on = self.params.on
        return on.value if on is not None and on.value is not None else self.today

    @property
    def named_day(self) -> bool:
        return self.params.on is not None and self.params.on.value is not None


Answer = Callable[[Case], str]


@dataclass(frozen=True)
class Question:
    key: str
    title: str                                    # what we look up, for offers and prompts
    service: Optional[Service]                    # None: about several services
    answer: Answer
    general: Union[str, Callable[[date], str]]    # the general rule, for anonymous customers
    contract_types: tuple[type, ...] = ()         # () = answered from the account itself (eligibility)
    faq: tuple[str, ...] = ()                     # FAQ topics answered by this computation when identified
    dates: str = AS_OF
    when: str = "{d}時点"                          # how the reply names the date it used
    all_contracts: bool = False                   # one answer about every contract (no choice)
    needs_identity: bool = True                   # False: computed for everyone (e.g. opening hours now)

    def general_text(self, today: date) -> str:
        return self.general(today) if callable(self.general) else self.general

    def date_phrase(self, day: date) -> str:
        return self.when.format(d=jdate_w(day))
