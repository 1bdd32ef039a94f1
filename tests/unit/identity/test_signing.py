"""bot.identity.signing, the one HMAC helper, and the signed formats built on it.

The wire formats are stored (tracker slots, limit tables) or handed out (session keys, cookies):
their expected values are computed here with hashlib/hmac from the documented layout, not taken
from the code's own output.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
from pathlib import Path

import pytest

from bot.identity import claims, limits, locks, proofs, signing

KEY = b"signing-test-secret-0123456789-abcdef"
OTHER = b"another-secret-0123456789-abcdef"
T = 1_795_000_000
ROOT = Path(__file__).resolve().parents[3]


def _reference_fields_mac(purpose: bytes, fields: list[str], secret: bytes) -> str:
    key = hmac.new(secret, b"madoguchi/" + purpose, hashlib.sha256).digest()
    return hmac.new(key, "\x1f".join(["v1", *fields]).encode(), hashlib.sha256).hexdigest()


def test_fields_signature_round_trip_tamper_and_wrong_key():
    mac = signing.sign_fields("chat-claim", ("A1001", "conv", str(T)), KEY)
    assert signing.fields_signed("chat-claim", ("A1001", "conv", str(T)), mac, KEY)
    assert not signing.fields_signed("chat-claim", ("A1002", "conv", str(T)), mac, KEY)     # a field changed
    flipped = mac[:-1] + ("1" if mac[-1] == "0" else "0")
    assert not signing.fields_signed("chat-claim", ("A1001", "conv", str(T)), flipped, KEY)  # the MAC changed
    assert not signing.fields_signed("chat-claim", ("A1001", "conv", str(T)), mac, OTHER)  # another key
    assert not signing.fields_signed("chat-identity", ("A1001", "conv", str(T)), mac, KEY)  # another purpose
    # the separator keeps field boundaries: ("ab", "c") is not ("a", "bc")
    assert signing.sign_fields("p", ("ab", "c"), KEY) != signing.sign_fields("p", ("a", "bc"), KEY)


@pytest.mark.parametrize("given, expected, same", [
    ("abc", "abc", True), ("abc", "abd", False), ("abc", "abcd", False), (b"abc", "abc", True),
    ("", "", False), (None, "abc", False), ("abc", None, False),
    ("caf\u00e9", "caf\u00e9", True), ("\ud800", "abc", False),   # non-ASCII and lone surrogates never raise
])
def test_equal(given, expected, same):
    assert signing.equal(given, expected) is same


def test_wire_formats_are_unchanged():
    assert proofs.issue_proof("A1001", "conv", T, secret=KEY) == (
        f"v1:A1001:{T}:" + _reference_fields_mac(b"chat-identity", ["A1001", "conv", str(T)], KEY))
    assert claims.issue_claim("A1001", "conv", T, secret=KEY) == (
        f"claim1:A1001:{T}:" + _reference_fields_mac(b"chat-claim", ["A1001", "conv", str(T)], KEY))
    assert locks.issue_lock(locks.LockState(2, 0), "conv", secret=KEY) == (
        "v1:2:0:" + _reference_fields_mac(b"chat-verify-lock", ["conv", "2", "0"], KEY))
    state = locks.LockState(3, T + 1800, locks.SCOPE_CONTRACT)
    assert locks.issue_lock(state, "conv", secret=KEY) == (
        f"v1:3:{T + 1800}:" + _reference_fields_mac(b"chat-verify-lock", ["conv", "3", str(T + 1800), "contract"], KEY)
        + ":contract")
    # keys of the verification limit tables (Alembic 0002) and of Redis
    limit_key = hmac.new(KEY, b"madoguchi/verify-limits", hashlib.sha256).digest()
    assert limits._hash_key("contract", "RS-0001", KEY) == (
        hmac.new(limit_key, b"contract\x1fRS-0001", hashlib.sha256).hexdigest()[:40])


def test_socketio_session_keys_keep_their_format(monkeypatch):
    from bot.channels import session_keys

    monkeypatch.setenv("MADOGUCHI_SECRET", KEY.decode())
    key = hmac.new(KEY, b"madoguchi/chat-session/v1", hashlib.sha256).digest()
    mac = base64.urlsafe_b64encode(hmac.new(key, f"web-abc.{T}".encode(), hashlib.sha256).digest()).rstrip(b"=")
    session = session_keys.sign_session("web-abc", T)
    assert session == f"web-abc.{T}.{mac.decode()}"
    monkeypatch.setattr(session_keys.time, "time", lambda: T + 60)
    assert session_keys.verify_session(session, max_age_seconds=3600) == "web-abc"
    assert session_keys.verify_session(session.replace("web-abc", "web-abd"), 3600) is None      # tampered
    assert session_keys.verify_session(session, max_age_seconds=59) is None                      # expired
    monkeypatch.setenv("MADOGUCHI_SECRET", OTHER.decode())
    assert session_keys.verify_session(session, max_age_seconds=3600) is None                    # wrong key


def test_staff_session_cookie_keeps_its_format(monkeypatch):
    from bot.channels.staff import SESSION_SECONDS, StaffInput

    monkeypatch.setenv("MADOGUCHI_SECRET", KEY.decode())
    staff = StaffInput.__new__(StaffInput)
    staff.token, staff.password = "api-token-0123456789", "pw"
    key = hmac.new(KEY, b"madoguchi/staff-session/v1\0api-token-0123456789\0pw", hashlib.sha256).digest()
    expires = str(T + SESSION_SECONDS)
    cookie = staff.session_cookie(now=T)
    assert cookie == expires + "." + hmac.new(key, expires.encode(), hashlib.sha256).hexdigest()
    assert staff.session_valid(cookie, now=T + 1)
    assert not staff.session_valid(str(T + SESSION_SECONDS + 1) + cookie[len(expires):], now=T + 1)  # tampered
    assert not staff.session_valid(cookie, now=T + SESSION_SECONDS)                                  # expired
    staff.password = "changed"
    assert not staff.session_valid(cookie, now=T + 1)         # the key changes with the credentials


def test_claim_expiry_and_wrong_key():
    claim = claims.issue_claim("A1001", "conv", T + 600, secret=KEY)
    assert claims.check_claim(claim, "conv", T + 599, secret=KEY) == "A1001"
    assert claims.check_claim(claim, "conv", T + 600, secret=KEY) is None          # expired
    assert claims.check_claim(claim, "conv", T, secret=OTHER) is None             # another key
    assert claims.check_claim(claim, "other-conv", T, secret=KEY) is None         # another conversation
    assert claims.check_claim(claim.replace("A1001", "A1002"), "conv", T, secret=KEY) is None


ONE_PLACE = [
    # (the only module allowed, what no other module in bot/ or actions/ may contain)
    ("bot/identity/signing.py", r"^\s*(import hmac|from hmac import)|\bhmac\.(new|compare_digest|digest)\b"),
    ("bot/nlu/normalize.py", r"unicodedata\.normalize\(|from unicodedata import[^\n]*\bnormalize\b"),
    ("bot/privacy/phones.py", r"^\s*(import|from)\s+phonenumbers"),
]


@pytest.mark.parametrize("allowed, pattern", ONE_PLACE)
def test_one_module_signs_normalises_and_finds_phone_numbers(allowed, pattern):
    modules = [p for folder in ("bot", "actions") for p in sorted((ROOT / folder).rglob("*.py"))]
    assert ROOT / allowed in modules
    offenders = [str(p.relative_to(ROOT)) for p in modules if p != ROOT / allowed
                 and re.search(pattern, p.read_text(encoding="utf-8"), re.M)]
    assert offenders == []
