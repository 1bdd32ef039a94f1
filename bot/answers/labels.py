"""How a contract is named on a button and listed in 契約内容, looked up by its type."""
from __future__ import annotations

from datetime import date
from typing import Callable

from bot.engine.contracts import Contract
from bot.answers import SERVICE_MODULES as _MODULES
_LABELS: dict[type, Callable] = {m.CONTRACT: m.label for m in _MODULES}
_DETAILS: dict[type, Callable] = {m.CONTRACT: m.details for m in _MODULES}
ALL_CONTRACT_TYPES: tuple[type, ...] = tuple(_LABELS)


def label(contract: Contract) -> str:
    return _LABELS[type(contract)](contract)


def details(contract: Contract, today: date) -> str:
    """One line per contract for 契約内容 (phone numbers masked)."""
    return _DETAILS[type(contract)](contract, today)
