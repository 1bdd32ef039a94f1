"""Privacy: after a conversation with a login token and phone digits, the SQLite tracker store holds
neither the token nor the full phone number, and the logs of both servers (Rasa at --debug, the action
server at -vv) hold neither, nor the customer's name nor the signing secret."""
from __future__ import annotations

import json
import uuid

import pytest

pytestmark = pytest.mark.slow

PHONE = "090-0000-1001"          # A1001's registered phone (fixtures/demo_accounts.yml)


def _forms(value: str) -> set[str]:
    """The value as it may appear in a file: raw, JSON-escaped, digits only."""
    forms = {value, json.dumps(value)[1:-1]}
    digits = "".join(ch for ch in value if ch.isdigit())
    if len(digits) >= 10:
        forms.add(digits)
    return forms


def test_tracker_store_and_logs_hold_no_token_phone_name_or_secret(live):
    token = live.token("A1001")
    sender = f"privacy-{uuid.uuid4().hex[:12]}"
    reply = live.texts(sender, "契約内容を教えて", token)
    assert "山田" in reply                                # the token worked
    live.texts(sender, f"電話番号は{PHONE}です", token)
    live.texts(sender, "０９０－００００－１００１に電話してください", token)
    # in-chat verification where the customer types the whole number instead of the last 4 digits
    other = f"privacy-{uuid.uuid4().hex[:12]}"
    live.texts(other, "/request_verification")
    live.texts(other, "RS-0001")
    reply = live.texts(other, PHONE)
    assert live.tracker(other)["slots"]["identity_proof"], reply   # still verified (last 4 digits)

    # the claim that replaced the token is in the tracker, bound to the conversation
    events = live.tracker(sender)["events"]
    claims = {e.get("metadata", {}).get("token") for e in events if e["event"] == "user"}
    assert all(isinstance(c, str) and c.startswith("claim1:A1001:") for c in claims), claims

    stored = b"".join(p.read_bytes() for p in live.tmp.glob("tracker.db*")).decode("utf-8", "replace")
    assert sender in stored and other in stored
    for secret in (token, PHONE, "０９０－００００－１００１", "09000001001", live.secret):
        for form in _forms(secret):
            assert form not in stored, f"{form!r} is stored in the tracker store"

    logs = live.rasa_log.read_text(errors="replace") + live.actions_log.read_text(errors="replace")
    assert sender in logs                                  # the logs do cover this conversation
    for secret in (token, PHONE, "０９０－００００－１００１", live.secret, "山田 太郎", "山田\\u3000太郎"):
        for form in _forms(secret):
            assert form not in logs, f"{form!r} is in the logs"
    claim = next(iter(claims))
    assert claim not in logs
