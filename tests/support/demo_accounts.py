"""The demo accounts (fixtures/demo_accounts.yml) as the action tests use them: a proof of identity,
the strings that identify one account's data, and a whole-value search for them."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict, List

from tests.support.trackers import NOW, SENDER

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "fixtures" / "demo_accounts.yml"
SECRET = "test-secret-for-actions-0123456789-abcdefghijklmnop"


def proof_for(account_id: str, sender: str = SENDER, at: float = NOW - 60) -> str:
    from bot.identity.proofs import issue_proof

    return issue_proof(account_id, sender, at, secret=SECRET.encode())


def account_data(account: Dict[str, Any]) -> List[str]:
    """Strings that identify this account's data: name, contract numbers, phone digits, amounts."""
    values = [account["name"], account["name"].replace(" ", ""), account["phone"],
              re.sub(r"\D", "", account["phone"])]
    if account.get("internet_line"):
        values.append(account["internet_line"])
    for c in account["contracts"]:
        values.append(c["contract_no"])
        for key in ("warranty_no", "product", "device"):
            if c.get(key):
                values.append(str(c[key]))
        for key in ("unit_price", "monthly_fee", "base_fee"):
            if c.get(key):
                values.append(f"{c[key]:,}円")
        for n in c.get("numbers") or []:
            values.append(n["number"])
    return values


def contains(shown: str, value: str) -> bool:
    """`value` appears in `shown` as itself: '980円' is not found inside '3,980円'."""
    if value.endswith("円") or value[:1].isdigit():
        return re.search(r"(?<![\d,])" + re.escape(value), shown) is not None
    return value in shown
