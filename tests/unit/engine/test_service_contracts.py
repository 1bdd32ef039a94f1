"""Each of the five service modules passes the engine's common contract (tests/support/engine_contract.py).

A class gives the module and sample calls (the branches a customer meets: before/after a deadline,
the 25th, lapsed/active, …); the per-service rule tests (test_<service>_rules.py) check the figures.
"""
from __future__ import annotations

from datetime import date, datetime

from bot.engine import haas, license_maintenance, phone_answering, remote_support, rental
from bot.engine.contracts import Account
from bot.engine.haas import HaasContract
from bot.engine.license_maintenance import IncidentPack, LicenseMaintenanceContract
from bot.engine.phone_answering import LentNumber, NumberUse, PhoneAnsweringContract
from bot.engine.remote_support import RemoteSupportContract
from bot.engine.rental import Anshin, Course, Payment, RentalContract
from tests.support.engine_contract import EngineServiceContract

DAY = date(2026, 11, 16)          # a Monday, after the 15th
EARLY = date(2026, 12, 3)         # before the 15th
SETTLEMENT = date(2026, 11, 25)   # the 25th

RS = RemoteSupportContract("RS-0001", start=date(2026, 9, 10))
RS_CANCELLED = RemoteSupportContract("RS-0002", start=date(2026, 3, 1), end=date(2026, 10, 31))
RS_LATER = RemoteSupportContract("RS-0003", start=date(2026, 12, 1))
RS_ACCOUNT = Account("A1", "テスト", "090-0000-0000", internet_line="L-1", contracts=(RS,))
NO_LINE = Account("A2", "テスト", "090-0000-0001", internet_line=None)

CW = LicenseMaintenanceContract("CW-0001", purchased=date(2025, 7, 1), licenses=3, unit_price=120000,
                                maintenance_start=date(2025, 7, 1),
                                incidents=(IncidentPack(date(2026, 1, 10), 2), IncidentPack(date(2025, 1, 5), 1)))
CW_ACTIVE = LicenseMaintenanceContract("CW-0002", purchased=date(2026, 2, 1), licenses=1, unit_price=33333,
                                       maintenance_start=date(2026, 2, 1))

HX = HaasContract("LM-0001", product="Linuxmania Desktop", purchased=date(2026, 11, 1), warranty_no="W-1", handson_used=1)
HX_ACCOUNT = Account("A3", "テスト", "090-0000-0002", internet_line=None, contracts=(HX,))


def _rental(**kw) -> RentalContract:
    base = dict(contract_no="RT-0001", device="端末", plan="プラン", monthly_fee=3300, course=Course.DEPOCOMI,
                course_start=date(2026, 4, 1), applied=date(2026, 3, 20), payment=Payment.CARD)
    return RentalContract(**{**base, **kw})


RT = _rental(anshin=Anshin.PREMIUM, anshin_start=date(2026, 4, 1))
RT_OMATOME = _rental(course=Course.OMATOME, omatome_months=12, payment=Payment.INVOICE, applied=date(2019, 5, 1))
RT_STANDARD = _rental(course=Course.STANDARD, payment=Payment.KONBINI, anshin_changes_used=1)

PA = PhoneAnsweringContract("PA-0001", start=date(2026, 8, 31), base_fee=9900,
                            numbers=(LentNumber("03-0000-5678", NumberUse.FORWARD), LentNumber("050-0000-1357", NumberUse.DISPLAY)))
PA_NEW = PhoneAnsweringContract("PA-0002", start=None, base_fee=9900)


class TestRemoteSupportContract(EngineServiceContract):
    module = remote_support
    samples = {
        "eligibility": [(RS_ACCOUNT, DAY), (NO_LINE, DAY), (Account("A4", "テスト", "090", "L-2"), DAY)],
        "monthly_charge": [(RS, DAY), (RS_CANCELLED, DAY)],
        "charges_to_date": [(RS, DAY), (RS_CANCELLED, DAY), (RS_LATER, DAY)],
        "cancellation_end_date": [(RS, DAY), (RS_LATER, DAY)],
    }
    date_in_head = frozenset({"eligibility", "monthly_charge", "charges_to_date"})


class TestLicenseMaintenanceContract(EngineServiceContract):
    module = license_maintenance
    samples = {
        "residual_value": [(CW, DAY), (CW_ACTIVE, DAY)],
        "maintenance_end": [(date(2026, 2, 1),)],
        "maintenance_status": [(CW, DAY), (CW_ACTIVE, DAY)],
        "renewal_fee": [(CW, DAY), (CW_ACTIVE, DAY)],
        "rejoin_fee": [(CW, DAY), (CW_ACTIVE, DAY)],
        "add_licenses_fee": [(CW, DAY, 2), (CW_ACTIVE, DAY, 1)],
        "incidents": [(CW, DAY), (CW_ACTIVE, DAY)],
        "payment_deadline": [(EARLY,)],
        "earliest_delivery": [(DAY,)],
        "technical_service_payment_deadline": [(EARLY,)],
        "technician_notice_date": [(EARLY,)],
        "mail_support_start": [(DAY,)],
    }
    helpers = {
        "maintenance_end": "date: the expiry date every status, fee and incident answer counts from",
        "earliest_delivery": "date: the earliest delivery still possible, quoted inside the payment answers",
    }
    date_in_head = frozenset({"maintenance_status", "renewal_fee", "rejoin_fee", "add_licenses_fee", "incidents"})


class TestHaasContract(EngineServiceContract):
    module = haas
    samples = {
        "eligibility": [(HX_ACCOUNT, DAY), (NO_LINE, DAY)],
        "handson": [(HX, DAY), (HX, date(2027, 1, 5))],
        "phone_support_hours": [(datetime(2026, 11, 16, 11, 0),), (datetime(2026, 11, 21, 11, 0),)],
        "handsbuy": [(HX,), ()],
    }
    date_in_head = frozenset({"eligibility", "handson", "phone_support_hours"})


class TestRentalContract(EngineServiceContract):
    module = rental
    samples = {
        "refunds": [(RT, date(2026, 11, 30)), (RT, date(2027, 5, 31)), (RT_OMATOME, date(2026, 11, 30)), (RT_STANDARD, DAY)],
        "cancellation_end_date": [(RT, DAY), (RT, EARLY), (RT, SETTLEMENT)],
        "plan_change": [(RT, DAY), (RT_OMATOME, EARLY)],
        "anshin_change": [(RT, EARLY, Anshin.NONE), (RT_OMATOME, EARLY, Anshin.PREMIUM), (RT_OMATOME, DAY, Anshin.STANDARD),
                          (RT_STANDARD, EARLY, Anshin.STANDARD)],
        "default_anshin_target": [(Anshin.NONE,), (Anshin.STANDARD,)],
        "premium_theft_cover_start": [(RT,), (RT_STANDARD,)],
        "payment_method_change": [(RT_OMATOME, DAY, Payment.CARD), (RT, DAY, Payment.INVOICE), (RT, DAY, Payment.CARD)],
        "default_payment_target": [(Payment.CARD,), (Payment.INVOICE,)],
        "card_change": [(RT, DAY), (RT, SETTLEMENT), (RT_OMATOME, DAY)],
        "legacy_note": [(RT,), (RT_OMATOME,)],
        "receipt": [(RT,), (RT_OMATOME,)],
        "monthly_charge": [(RT, DAY), (RT_OMATOME, DAY)],
    }
    helpers = {
        "default_anshin_target": "Anshin: the change asked about when the customer names none",
        "default_payment_target": "Payment: the change asked about when the customer names none",
        "legacy_note": "str: the separate-page sentence the payment and card answers add",
    }
    date_in_head = frozenset({"refunds", "payment_method_change", "card_change"})


class TestPhoneAnsweringContract(EngineServiceContract):
    module = phone_answering
    samples = {
        "trial": [((), DAY), ((PA,), DAY), ((), DAY, "event")],
        "monthly_fee": [(PA, DAY), (PA_NEW, DAY)],
        "add_numbers_fee": [(PA, DAY, 1)],
        "number_use": [(PA, "03-0000-5678"), (PA, "050-0000-1357"), (PA, "06-0000-0000")],
        "cancellation": [(PA, DAY), (PA_NEW, DAY)],
        "start_date": [(PA,), (PA_NEW,)],
        "contract_scope": [()],
    }
    date_in_head = frozenset({"trial", "monthly_fee", "add_numbers_fee", "cancellation"})
