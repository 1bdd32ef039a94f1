"""An in-memory account repository for the answers service (no database): accounts built here."""
from __future__ import annotations

from datetime import date

import pytest

from bot.engine.contracts import Account
from bot.engine.license_maintenance import LicenseMaintenanceContract
from bot.engine.phone_answering import LentNumber, NumberUse, PhoneAnsweringContract
from bot.engine.remote_support import RemoteSupportContract
from bot.engine.rental import Anshin, Payment
from tests.support.contracts import rental_contract


ACCOUNTS = {
    "F1": Account(id="F1", name="試験 一郎", phone="090-0000-0001", internet_line="CATV-1", contracts=(
        RemoteSupportContract("RS-9001", start=date(2026, 4, 10)),
        LicenseMaintenanceContract("CW-9001", purchased=date(2026, 5, 20), licenses=3, unit_price=120000,
                                   maintenance_start=date(2026, 5, 20)),
        rental_contract("RT-9001", anshin=Anshin.PREMIUM, anshin_start=date(2026, 3, 1)),
        PhoneAnsweringContract("PA-9001", start=date(2026, 8, 31), base_fee=9900,
                               numbers=(LentNumber("03-0000-0001", NumberUse.FORWARD),)),
    )),
    "F2": Account(id="F2", name="試験 二郎", phone="090-0000-0002", internet_line=None, contracts=(
        rental_contract("RT-9002"), rental_contract("RT-9003", payment=Payment.KONBINI),
    )),
}


class FakeRepository:
    """load_account(id) like bot.storage.repository, from a dict; records what was asked."""

    def __init__(self, accounts=ACCOUNTS):
        self.accounts = dict(accounts)
        self.asked: list[str] = []

    def __call__(self, account_id: str):
        self.asked.append(account_id)
        return self.accounts.get(account_id)


@pytest.fixture
def repo() -> FakeRepository:
    return FakeRepository()
