"""Tracker fixtures for the account and identity actions, against a real SQLite accounts database
loaded from fixtures/demo_accounts.yml (bot.storage.fixtures.import_file into a temp file)."""
from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.storage import db

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "fixtures" / "demo_accounts.yml"
SECRET = "test-secret-for-actions-0123456789-abcdefghijklmnop"
NOW = 1_795_000_000.0          # a fixed real-clock instant for identity times
SENDER = "conv-test-1"


@pytest.fixture(scope="session")
def demo_db_url(tmp_path_factory) -> str:
    from bot.storage.fixtures import import_file

    path = tmp_path_factory.mktemp("accounts") / "accounts.db"
    url = f"sqlite:///{path}"
    import_file(DEMO, url)
    return url


@pytest.fixture(autouse=True)
def env(demo_db_url, monkeypatch):
    """Demo database, fixed today (2026-11-20), fixed secret and a fixed identity clock."""
    import actions.identity

    monkeypatch.setenv("MADOGUCHI_DB_URL", demo_db_url)
    monkeypatch.setenv("MADOGUCHI_TODAY", "2026-11-20")
    monkeypatch.setenv("MADOGUCHI_SECRET", SECRET)
    monkeypatch.setattr(actions.identity, "clock", lambda: NOW)
    from bot.identity import attempts, limits, locks

    monkeypatch.setattr(actions.identity, "LOCKS", locks.LockRegistry())
    # fresh shared verification counters (per contract number / client) for every test
    monkeypatch.setattr(actions.identity, "LIMITS", limits.VerificationLimiter(attempts.MemoryAttemptStore()))
    yield
    db.dispose_all()


@pytest.fixture(scope="session")
def demo_accounts() -> List[Dict[str, Any]]:
    return yaml.safe_load(DEMO.read_text(encoding="utf-8"))["accounts"]


def user_event(text: str, intent: str, timestamp: float, metadata: Optional[dict] = None,
               entities: Optional[list] = None) -> Dict[str, Any]:
    return {
        "event": "user", "timestamp": timestamp, "text": text, "metadata": metadata or {},
        "parse_data": {"intent": {"name": intent, "confidence": 1.0}, "entities": entities or [], "text": text},
    }


def make_tracker(text: str = "", intent: str = "", *, slots: Optional[Dict[str, Any]] = None,
                 metadata: Optional[dict] = None, entities: Optional[list] = None, sender: str = SENDER,
                 previous_message_at: Optional[float] = NOW - 30, earlier_messages: tuple = (),
                 active_loop: Optional[str] = None, requested_slot: Optional[str] = None) -> Tracker:
    """A tracker whose latest message is `text`; earlier customer messages at `earlier_messages`
    and `previous_message_at`."""
    events = []
    moments = sorted(list(earlier_messages) + ([previous_message_at] if previous_message_at is not None else []))
    for moment in moments:
        events.append(user_event("こんにちは", "greet", moment))
        events.append({"event": "action", "timestamp": moment + 1, "name": "utter_greet"})
    events.append(user_event(text, intent, NOW, metadata, entities))
    all_slots = {"identity_proof": None, "identity_lock": None, "pending_question": None,
                 "verify_contract_no": None, "verify_phone_last4": None, "requested_slot": requested_slot,
                 "service": None}
    all_slots.update(slots or {})
    latest = {"intent": {"name": intent, "confidence": 1.0}, "entities": entities or [], "text": text,
              "metadata": metadata or {}}
    return Tracker(sender, all_slots, latest, events, False, None,
                   {"name": active_loop} if active_loop else {}, "action_listen")


def run_action(action, tracker: Tracker):
    """(events, messages) of one action run."""
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, {}))
    return events, dispatcher.messages


def slot_events(events) -> Dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def texts(messages) -> str:
    """Everything the customer sees: texts and button titles/payloads."""
    parts = []
    for m in messages:
        parts.append(m.get("text") or "")
        for b in m.get("buttons") or []:
            parts.append(b["title"])
            parts.append(b["payload"])
    return "\n".join(parts)


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
