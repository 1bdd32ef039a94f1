"""Which question, which contract, which date: the account answers' entry points.

The chat actions stay thin: they find out who the customer is (actions.identity), then call
`answer()` for an identified customer or `general_answer()` for an anonymous one, and send the
Reply. The account loader is a parameter (tests pass an in-memory fake); every figure comes
from bot.engine via the question's answer function.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Callable, Optional

from bot.engine.contracts import SERVICE_NAMES, Account, Contract, Service
from bot.engine.format import jdate_w
from bot.nlu.params import Params
from bot.answers import QUESTIONS, pending
from bot.answers.labels import label
from bot.answers.question import FUTURE, NO_DATE, Case, Question
from bot.answers.reply import VERIFY_BUTTONS, Button, Reply

AccountLoader = Callable[[str], Optional[Account]]


def offer(key: str, params: Params = Params()) -> Reply:
    """The offer to check the customer's own case, remembering the question for after verification."""
    return Reply(
        text=f"ご本人確認をしていただければ、お客様のご契約に合わせて{QUESTIONS[key].title}をお調べします。本人確認をされますか?",
        buttons=VERIFY_BUTTONS,
        pending=pending.encode(key, params),
    )


def general_answer(key: str, today: date, params: Params = Params(), *, with_offer: bool = True) -> Reply:
    """An anonymous customer: the general rule, then (unless verification is locked) the offer."""
    body = QUESTIONS[key].general_text(today)
    if not with_offer:
        return Reply(text=body)
    o = offer(key, params)
    return Reply(text=f"{body}\n{o.text}", buttons=o.buttons, pending=o.pending)


def public_answer(key: str, today: date, params: Params = Params()) -> Reply:
    """A question whose answer is the same for every customer (needs_identity=False): computed for anyone."""
    q = QUESTIONS[key]
    problem = _date_problem(q, params, today)
    if problem:
        return Reply(text=problem)
    case = Case(account=None, contract=None, today=today, params=params)
    return Reply(text=_head(q, case) + q.answer(case))


def choose_contract_reply(key: str, contracts: list[Contract], params: Params, prefix: str = "") -> Reply:
    q = QUESTIONS[key]
    buttons = tuple(Button(label(c), f'/choose_contract{{"contract_no":"{c.contract_no}"}}') for c in contracts)
    return Reply(text=f"{prefix}{q.title}をお調べするご契約をお選びください。", buttons=buttons,
                 pending=pending.encode(key, params))


def _date_problem(q: Question, params: Params, today: date) -> Optional[str]:
    """A date that does not exist, or a past one where only the future makes sense: ask again politely."""
    on = params.on
    if on is None or q.dates == NO_DATE:
        return None
    if on.problem == "nonexistent" or on.value is None:
        return f"恐れ入りますが、「{on.text}」は存在しない日付のようです。日付を添えてもう一度ご質問ください(例:「2月28日に解約したら」)。"
    if q.dates == FUTURE and on.value < today:
        return (f"「{on.text}」({jdate_w(on.value)})はすでに過ぎた日付のため、{q.title}をお調べできません。"
                f"本日({jdate_w(today)})以降の日付を添えてもう一度ご質問ください。")
    return None


def _candidates(account: Account, q: Question, service: Optional[Service]) -> list[Contract]:
    found = [c for c in account.contracts if isinstance(c, q.contract_types)]
    narrowed = [c for c in found if c.service == service] if service is not None else found
    return narrowed or found


def _head(q: Question, case: Case) -> str:
    """Every computed answer says the date it used (today when the date plays no part)."""
    on = case.params.on
    if q.dates == NO_DATE or not case.named_day or (on is not None and not on.exact):
        return f"(本日{jdate_w(case.today)}時点)"
    return f"({q.date_phrase(case.day)})"


def answer_for_account(account: Account, key: str, today: date, *, contract_no: Optional[str] = None,
                       service: Optional[Service] = None, params: Params = Params()) -> Reply:
    """The answer for this (identified) account; asks which contract when several fit, never picks one silently."""
    q = QUESTIONS[key]
    problem = _date_problem(q, params, today)
    if problem:
        return Reply(text=problem, pending=pending.encode(key, replace(params, on=None)))
    case = Case(account=account, contract=None, today=today, params=params)
    if not q.needs_identity:
        return public_answer(key, today, params)
    if not q.contract_types:                       # answered from the account itself
        return Reply(text=_head(q, case) + q.answer(case))
    candidates = _candidates(account, q, service)
    prefix = ""
    chosen: Optional[Contract] = None
    if contract_no:
        chosen = next((c for c in candidates if c.contract_no == contract_no), None)
        if chosen is None:
            prefix = f"ご本人確認済みのお客様のご契約に{q.title}の対象となる契約番号{contract_no}は見つかりませんでした。"
    if q.all_contracts:
        covered = (chosen,) if chosen is not None else tuple(candidates)
        if not covered:
            return Reply(text=prefix + "ご本人確認済みのお客様のアカウントにはご契約が登録されていません。")
        return Reply(text=prefix + _head(q, case) + q.answer(replace(case, covered=covered)))
    if chosen is None:
        if not candidates:
            names = "、".join(SERVICE_NAMES[t.service] for t in q.contract_types)
            return Reply(text=prefix + f"ご本人確認済みのお客様には{names}のご契約が見つかりませんでした。"
                         f"一般的なご案内です: {q.general_text(today)}")
        if len(candidates) > 1:
            return choose_contract_reply(key, candidates, params, prefix)
        chosen = candidates[0]
    case = replace(case, contract=chosen)
    return Reply(text=f"{prefix}【{label(chosen)}】{_head(q, case)}{q.answer(case)}")


def answer(load_account: AccountLoader, account_id: str, key: str, today: date, *,
           contract_no: Optional[str] = None, service: Optional[Service] = None, params: Params = Params()) -> Reply:
    """Loads the account with `load_account` (which may raise when the database is down)."""
    account = load_account(account_id)
    if account is None:
        return Reply(text="ご契約情報が見つかりませんでした。" + QUESTIONS[key].general_text(today))
    return answer_for_account(account, key, today, contract_no=contract_no, service=service, params=params)


def split_pending(value: object) -> tuple[Optional[str], Params]:
    return pending.decode(value, QUESTIONS)
