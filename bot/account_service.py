"""Transitional alias: the account answers now live in bot/answers/ (see its __init__)."""
from __future__ import annotations

from datetime import date
from typing import Optional

from bot.answers import QUESTIONS, question  # noqa: F401
from bot.answers.reply import VERIFY_BUTTONS, Button, Reply  # noqa: F401
from bot.answers.service import split_pending  # noqa: F401
from bot.nlu.params import Params
from bot.support.contacts import apology as _apology, contacts_text as _contacts_text


def contacts_text(service=None) -> str:
    return _contacts_text(getattr(service, "value", service))


def apology(service=None) -> str:
    return _apology(getattr(service, "value", service))


def answer(account_id: str, key: str, today: date, *, params: Params = Params(), **kwargs) -> Reply:
    from bot.answers.service import answer as _answer
    from bot.storage.repository import load_account

    return _answer(load_account, account_id, key, today, params=params, **kwargs)
