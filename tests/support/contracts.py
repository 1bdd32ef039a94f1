"""Contract dataclasses for engine and answers tests, built from one set of plain defaults."""
from __future__ import annotations

from datetime import date

from bot.engine.rental import Course, Payment, RentalContract


def rental_contract(contract_no: str = "RT-1", **overrides) -> RentalContract:
    """A standard-course card-paying rental (3,980円/月, course from 2026-03-01, applied 2026-02-20),
    with `overrides` on top."""
    values = dict(contract_no=contract_no, device="モバイルWi-Fiルーター", plan="100GBプラン", monthly_fee=3980,
                  course=Course.STANDARD, course_start=date(2026, 3, 1), applied=date(2026, 2, 20),
                  payment=Payment.CARD)
    values.update(overrides)
    return RentalContract(**values)
