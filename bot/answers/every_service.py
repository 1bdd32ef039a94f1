"""Questions about every contract of the account: what they hold, and this month's bill."""
from __future__ import annotations

from dataclasses import replace

from bot.engine.phone_answering import PhoneAnsweringContract
from bot.engine.remote_support import RemoteSupportContract
from bot.engine.rental import RentalContract
from bot.answers import phone_answering, remote_support, rental
from bot.answers.labels import ALL_CONTRACT_TYPES, details
from bot.answers.question import Case, Question

# The services with a monthly fee, and how each states one month's bill.
BILLS = {
    RemoteSupportContract: remote_support.bill,
    RentalContract: rental.bill,
    PhoneAnsweringContract: phone_answering.bill,
}


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
             f"月額料金はリモートサポート{remote_support.rs.MONTHLY_FEE.quoted}(月の途中の開始・解約も満額)、レンタル端末/SIMは"
             "ご契約プランの月額(税込、おまとめコースの期間分はお支払い済み)、電話代行は基本料金+追加番号1件につき1,100円(税込)です。",
             contract_types=tuple(BILLS), faq=("rs_monthly_fee",), all_contracts=True),
]
