"""Questions about every contract of the account: what they hold, and this month's bill."""
from __future__ import annotations

from dataclasses import replace

from bot.answers import SERVICE_MODULES
from bot.answers.labels import ALL_CONTRACT_TYPES, details
from bot.answers.question import Case, Question

# The services with a monthly fee: their answers modules declare `bill` (how one contract's month is
# stated) and `BILL_GENERAL` (their clause of the general answer).
_BILLED = tuple(m for m in SERVICE_MODULES if hasattr(m, "bill"))
BILLS = {m.CONTRACT: m.bill for m in _BILLED}


def _summary(case: Case) -> str:
    lines = "\n".join(f"・{details(c, case.day)}" for c in case.covered)
    return f"{case.account.name}様のご契約内容です。\n{lines}"


def _bill(case: Case) -> str:
    """This month's bill for each contract with a monthly fee (answered for each, none picked silently)."""
    return "\n".join(f"・{BILLS[type(c)](replace(case, contract=c))}" for c in case.covered)


QUESTIONS = [
    Question("contract_summary", "ご契約内容", None, _summary,
             "ご契約内容(契約番号、プラン、料金など)はご本人確認のうえでご案内しています。",
             contract_types=ALL_CONTRACT_TYPES, all_contracts=True),
    Question("monthly_bill", "今月のご請求", None, _bill,
             "月額料金は" + "、".join(m.BILL_GENERAL for m in _BILLED) + "です。",
             contract_types=tuple(BILLS), faq=("rs_monthly_fee",), all_contracts=True),
]
