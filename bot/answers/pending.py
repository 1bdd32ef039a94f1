"""The question waiting in the slot `pending_question` (for a contract choice, verification or a date).

Format: `<question key>|<JSON of the message's params>`. A value that does not decode, or names an
unknown question, is ignored (the slot is only written by our actions, but it is never trusted).
"""
from __future__ import annotations

import json
from datetime import date
from typing import Any, Optional

from bot.engine.rental import Anshin, Payment
from bot.nlu.params import CountMention, DateMention, Params


def encode(key: str, params: Params) -> str:
    data: dict[str, Any] = {}
    if params.count is not None:
        data["n"], data["total"] = params.count.n, params.count.total
    if params.on is not None:
        data["on"] = {"text": params.on.text, "value": params.on.value.isoformat() if params.on.value else None,
                      "exact": params.on.exact, "problem": params.on.problem}
    for name in ("anshin_from", "anshin_to", "payment_from", "payment_to"):
        value = getattr(params, name)
        if value is not None:
            data[name] = value.value
    if params.purpose:
        data["purpose"] = params.purpose
    return f"{key}|{json.dumps(data, ensure_ascii=False, separators=(',', ':'))}"


def _enum(kind: type, value: Any) -> Any:
    return next((member for member in kind if member.value == value), None)


def _params(data: dict[str, Any]) -> Params:
    count = None
    if isinstance(data.get("n"), int) and 0 < data["n"] < 100:
        count = CountMention(n=data["n"], total=bool(data.get("total")))
    on = None
    raw = data.get("on")
    if isinstance(raw, dict):
        try:
            value = date.fromisoformat(raw["value"]) if raw.get("value") else None
        except (TypeError, ValueError):
            value = None
        on = DateMention(text=str(raw.get("text", ""))[:40], value=value, exact=bool(raw.get("exact", True)),
                         problem=raw.get("problem") if raw.get("problem") in ("nonexistent",) else None)
    purpose = data.get("purpose") if data.get("purpose") in ("event", "recruiting") else None
    return Params(count=count, on=on,
                  anshin_from=_enum(Anshin, data.get("anshin_from")), anshin_to=_enum(Anshin, data.get("anshin_to")),
                  payment_from=_enum(Payment, data.get("payment_from")), payment_to=_enum(Payment, data.get("payment_to")),
                  purpose=purpose)


def decode(pending: Any, known: Any) -> tuple[Optional[str], Params]:
    """'cw_add_licenses|{"n":2}' -> ('cw_add_licenses', Params(count=2 more)); anything else -> (None, Params())."""
    if not isinstance(pending, str) or not pending:
        return None, Params()
    key, _, encoded = pending.partition("|")
    if key not in known:
        return None, Params()
    try:
        data = json.loads(encoded) if encoded else {}
    except ValueError:
        data = {}
    return key, _params(data if isinstance(data, dict) else {})
