"""The five services: one registry line each. Every other list of services derives from `SERVICES`.

Per service: its key (the `service` of the account fixture format, shared spec interfaces.md), its
Japanese names, the prefix of its contract numbers (RS in RS-0001, public fixture format), the prefix
of its FAQ answer and question keys (rs in faq/rs_monthly_fee, account_rs_eligibility, which is also the
alias of its engine module in bot/answers), and where its contact and opening hours are written.
A sixth service: DEVELOPERS.md, "Adding a service".
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Optional

_BOT = Path(__file__).resolve().parents[1]
CONTACTS_FILE = _BOT / "support" / "contacts.yml"  # contact text and opening hours, one entry per service key


class Service(str, Enum):
    REMOTE_SUPPORT = "remote_support"          # seed 000
    LICENSE_MAINTENANCE = "license_maintenance"  # seed 001
    HAAS = "haas"                              # seed 002
    RENTAL = "rental"                          # seed 003
    PHONE_ANSWERING = "phone_answering"        # seed 004


@dataclass(frozen=True)
class ServiceInfo:
    key: Service
    name: str             # on buttons, in 契約内容 and reports
    contact_name: str     # heading of its contact desk in contact messages
    contract_prefix: str  # RS-0001
    faq_prefix: str       # faq/rs_monthly_fee, account_rs_eligibility
    seed: str             # the seed document its rules come from (seed 000 …)


SERVICES: tuple[ServiceInfo, ...] = (
    #           key                          name                  contact desk                       contract  FAQ   seed
    ServiceInfo(Service.REMOTE_SUPPORT,      "リモートサポート",   "リモートサポート",                "RS",     "rs", "000"),
    ServiceInfo(Service.LICENSE_MAINTENANCE, "ライセンス保守",     "ライセンス保守(ConnectWise Control)", "CW",  "cw", "001"),
    ServiceInfo(Service.HAAS,                "Linuxmania HaaS",    "Linuxmania サポート",             "LM",     "hx", "002"),
    ServiceInfo(Service.RENTAL,              "レンタル端末/SIM",   "レンタル端末/SIM(マイページ)",    "RT",     "rt", "003"),
    ServiceInfo(Service.PHONE_ANSWERING,     "電話代行",           "電話代行",                        "PA",     "pa", "004"),
)

KEYS: tuple[str, ...] = tuple(s.key.value for s in SERVICES)
_BY_KEY = {s.key.value: s for s in SERVICES}
_BY_FAQ_PREFIX = {s.faq_prefix: s for s in SERVICES}


def info(service: str) -> ServiceInfo:
    """The registry line of a service (a `Service` or its key); KeyError for anything else."""
    return _BY_KEY[Service(service).value]


def lookup(service: object) -> Optional[Service]:
    """The `Service` of a key from outside (a slot, an entity, a payload), or None."""
    line = _BY_KEY.get(service) if isinstance(service, str) else None
    return line.key if line else None


def of_key(key: object) -> Optional[Service]:
    """The service of an FAQ answer key or question key: 'rs_monthly_fee' -> REMOTE_SUPPORT; None when the
    key belongs to no service (general FAQ answers, greetings)."""
    line = _BY_FAQ_PREFIX.get(key.split("_", 1)[0]) if isinstance(key, str) else None
    return line.key if line else None


# ---- contract numbers: <contract prefix>-<3 to 8 digits>, e.g. RS-0001 --------------------------
CONTRACT_DIGITS = (3, 8)
_PREFIXES = "|".join(s.contract_prefix for s in SERVICES)
_DIGITS = r"[0-9]{%d,%d}" % CONTRACT_DIGITS
CONTRACT_NO = re.compile(rf"^(?:{_PREFIXES})-{_DIGITS}$")  # the canonical form, as stored
# The dashes customers type between prefix and digits (NFKC keeps these apart from '-').
DASHES = "-‐‑–—−ー―"
# In what a customer types (after NFKC): any case, a dash of any kind, a space or nothing between.
_IN_TEXT = re.compile(rf"(?<![A-Za-z])({_PREFIXES})\s*[{DASHES}_]?\s*({_DIGITS})(?![0-9])", re.IGNORECASE)
_ANY_DASH = re.compile(f"[{DASHES}]")


def comparable_contract_no(text: str) -> str:
    """NFKC-normalised text as contract numbers are compared and counted: stripped, upper case, every dash
    '-' ('rsー0001' -> 'RS-0001'; not a contract number stays itself, e.g. for counting failed attempts)."""
    return _ANY_DASH.sub("-", text.strip().upper())


def contract_no_in(text: str) -> Optional[str]:
    """The first contract number in NFKC-normalised text, canonical: 'rs 0001です' -> 'RS-0001'."""
    match = _IN_TEXT.search(text)
    return canonical_contract_no(match.group(1), match.group(2)) if match else None


def canonical_contract_no(prefix: str, digits: str) -> str:
    return f"{prefix.upper()}-{digits}"


def contract_no_fits(service: str, contract_no: str) -> bool:
    """Whether a canonical contract number is one of that service's (RS-0001 for remote_support)."""
    return bool(CONTRACT_NO.match(contract_no)) and contract_no.startswith(info(service).contract_prefix + "-")
