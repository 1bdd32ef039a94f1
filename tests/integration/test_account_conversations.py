"""Acceptance conversations: answers computed for the customer who asks (tests/conversations/*.yml).

Every expected figure in the conversation files is computed by hand from the rules
(/work/shared/spec/domain-rules.md, the seeds), with the computation in a YAML comment next to it.
This runner plays each conversation against ONE live stack for the whole module: action server +
Rasa server (the trained models/madoguchi.tar.gz, copied first) on free loopback ports, accounts
database = a temp SQLite file loaded from tests/conversations/accounts.yml, MADOGUCHI_SECRET fixed,
MADOGUCHI_ENV=development.

Conversation format (one YAML file holds `conversations:`, a list of)::

    - name: レンタル 16日の解約申請は翌月末      # the pytest id
      service: rental                          # the service the conversation is about (coverage test)
      account: C2030                           # omitted for anonymous
      login: token                             # token | verify | none
      today: 2026-11-16                        # sent as metadata.today with every message
      turns:
        - user: 今日解約したらいつ終わりますか
          expect: ["2026年12月31日"]           # substrings of the reply; a nested list = any one of them
          absent: ["2026年11月30日"]           # substrings that must not appear
          buttons: []                          # substrings that must appear among button titles/payloads

login: token -> metadata.token minted for the account (bot.identity.tokens.issue with the test secret);
login: verify -> before the turns the runner does the in-chat verification (「本人確認したい」, the
account's first contract number, the last 4 digits of its phone) and asserts it succeeded.

Run:  .venv/bin/python -m pytest tests/integration/test_account_conversations.py -m slow -q
(it starts the servers once, about 1-2 minutes, then ~100 short conversations).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest
import yaml

from bot.devtools import localserver
from bot.engine import services
from tests.support.webchat import snapshot_model

ROOT = Path(__file__).resolve().parents[2]
CONV_DIR = ROOT / "tests" / "conversations"
ACCOUNTS_FILE = CONV_DIR / "accounts.yml"
MODEL = ROOT / "models" / "madoguchi.tar.gz"
VENV_BIN = Path(sys.executable).parent
SECRET = "account-conversations-test-secret-0123456789abcdef"
ACTION_SECRET = "account-conversations-action-secret-0123456789"
SERVICES = set(services.KEYS)
LOGINS = {"token", "verify", "none"}
CONVERSATION_KEYS = {"name", "service", "account", "login", "today", "turns", "note"}
TURN_KEYS = {"user", "expect", "absent", "buttons"}
VERIFIED = "本人確認ができました"


# --------------------------------------------------------------------------- loading the set
def _load_accounts() -> Dict[str, Dict[str, Any]]:
    data = yaml.safe_load(ACCOUNTS_FILE.read_text(encoding="utf-8"))
    return {a["id"]: a for a in data["accounts"]}


def _load_conversations() -> List[Dict[str, Any]]:
    conversations: List[Dict[str, Any]] = []
    for path in sorted(CONV_DIR.glob("*.yml")):
        if path.name == ACCOUNTS_FILE.name:
            continue
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for conv in data.get("conversations") or []:
            conv = dict(conv)
            conv["_file"] = path.name
            conversations.append(conv)
    return conversations


ACCOUNTS = _load_accounts()
CONVERSATIONS = _load_conversations()


def _account_services(account_id: str) -> set:
    return {c["service"] for c in ACCOUNTS[account_id]["contracts"]}


def _text_of(value: Any) -> str:
    """YAML may read dates in `today` as datetime.date; the set writes them YYYY-MM-DD."""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


# --------------------------------------------------------------------------- checks of the set itself
def test_set_is_well_formed() -> None:
    problems: List[str] = []
    names = [c.get("name") for c in CONVERSATIONS]
    for name in {n for n in names if names.count(n) > 1}:
        problems.append(f"duplicate name {name!r}")
    for conv in CONVERSATIONS:
        where = f"{conv['_file']}: {conv.get('name')!r}"
        unknown = set(conv) - CONVERSATION_KEYS - {"_file"}
        if unknown:
            problems.append(f"{where}: unknown keys {sorted(unknown)}")
        if conv.get("service") not in SERVICES:
            problems.append(f"{where}: service {conv.get('service')!r} not one of {sorted(SERVICES)}")
        login = conv.get("login")
        if login not in LOGINS:
            problems.append(f"{where}: login {login!r}")
        account = conv.get("account")
        if login in ("token", "verify"):
            if account not in ACCOUNTS:
                problems.append(f"{where}: account {account!r} not in accounts.yml")
            elif conv.get("service") not in _account_services(account):
                # anonymous-like questions about a service the account lacks are allowed, but say so
                if conv.get("service") not in ("remote_support", "haas", "phone_answering"):
                    problems.append(f"{where}: account {account} has no {conv.get('service')} contract")
        elif account is not None:
            problems.append(f"{where}: an anonymous conversation names account {account}")
        try:
            time.strptime(_text_of(conv.get("today")), "%Y-%m-%d")
        except (TypeError, ValueError):
            problems.append(f"{where}: today {conv.get('today')!r} is not YYYY-MM-DD")
        turns = conv.get("turns") or []
        if not turns:
            problems.append(f"{where}: no turns")
        for i, turn in enumerate(turns):
            if set(turn) - TURN_KEYS:
                problems.append(f"{where}: turn {i}: unknown keys {sorted(set(turn) - TURN_KEYS)}")
            if not isinstance(turn.get("user"), str) or not turn["user"].strip():
                problems.append(f"{where}: turn {i}: no user text")
            for key in ("expect", "absent", "buttons"):
                if not isinstance(turn.get(key, []), list):
                    problems.append(f"{where}: turn {i}: {key} must be a list")
    assert not problems, "\n".join(problems)


def test_set_covers_the_done_when() -> None:
    account_convs = [c for c in CONVERSATIONS if c.get("login") in ("token", "verify")]
    assert len(account_convs) >= 80, f"only {len(account_convs)} account conversations"
    assert {c["service"] for c in account_convs} == SERVICES
    by_login = {kind: sum(1 for c in account_convs if c["login"] == kind) for kind in ("token", "verify")}
    assert by_login["token"] >= 1 and by_login["verify"] >= 10, by_login
    assert any(c.get("login") == "none" for c in CONVERSATIONS), "no anonymous conversation"
    # several contracts of one service: at least one conversation picks one via the button payload
    assert any("/choose_contract" in t["user"] for c in account_convs for t in c["turns"])


def test_accounts_fixture_imports(tmp_path: Path) -> None:
    """The fixture file is accepted whole by the importer (the interfaces.md format)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MADOGUCHI_DB_URL": f"sqlite:///{tmp_path / 'a.db'}"}
    result = subprocess.run([str(VENV_BIN / "python"), "-m", "bot", "accounts", "import", str(ACCOUNTS_FILE)],
                            cwd=str(ROOT), env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr


# --------------------------------------------------------------------------- the live stack
class Stack:
    """The bot as make run starts it (bot.devtools.localserver: hardened action server + Rasa server),
    on free loopback ports, with the conversations' accounts database and a private copy of the model."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.env = localserver.server_env({
            "MADOGUCHI_SECRET": SECRET,
            "MADOGUCHI_ACTION_SECRET": ACTION_SECRET,
            "MADOGUCHI_ENV": "development",
            "MADOGUCHI_DB_URL": f"sqlite:///{tmp / 'accounts.db'}",
            "MADOGUCHI_VAR_DIR": str(tmp / "var"),
            # a shared 2-core machine: generous timeouts so a slow answer is not an apology
            "MADOGUCHI_ACTION_TIMEOUT": "25",
            "MADOGUCHI_REPLY_TIMEOUT": "40",
            "SANIC_HOST": "127.0.0.1",
        })
        self.env.pop("MADOGUCHI_TODAY", None)  # "today" travels in each message's metadata
        self.servers: Optional[localserver.LocalServers] = None
        self.webhook = ""

    def start(self) -> "Stack":
        subprocess.run([str(VENV_BIN / "python"), "-m", "bot", "accounts", "import", str(ACCOUNTS_FILE)],
                       cwd=str(ROOT), env=self.env, check=True, capture_output=True, timeout=300)
        endpoints = self.tmp / "endpoints.yml"
        self.servers = localserver.LocalServers(self.tmp, self.env, endpoints, model=snapshot_model(MODEL, self.tmp, timeout=900),
                                                ready_path="/status")
        endpoints.write_text(yaml.safe_dump(localserver.endpoints(self.servers.action_port)))
        self.webhook = f"{self.servers.url}/webhooks/rest/webhook"
        self.servers.start(timeout=600)
        try:
            self.say("warmup-" + uuid.uuid4().hex[:8], "こんにちは", {}, timeout=180)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if self.servers is not None:
            self.servers.stop()

    def say(self, sender: str, text: str, metadata: Dict[str, Any], timeout: float = 90) -> List[Dict[str, Any]]:
        body = json.dumps({"sender": sender, "message": text, "metadata": metadata}).encode("utf-8")
        request = urllib.request.Request(self.webhook, data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as r:
                status, raw = r.status, r.read()
        except urllib.error.HTTPError as e:
            status, raw = e.code, e.read()
        assert status == 200, f"HTTP {status} for {text!r}: {raw[:500]!r}"
        messages = json.loads(raw)
        assert isinstance(messages, list), messages
        return messages


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Stack:
    if not MODEL.exists():
        pytest.skip(f"no trained model at {MODEL}")
    live = Stack(tmp_path_factory.mktemp("account-conversations")).start()
    yield live
    live.stop()


def _token(account_id: str) -> str:
    os.environ.setdefault("MADOGUCHI_SECRET", SECRET)
    from bot.identity.tokens import issue

    return issue(account_id, minutes=240, secret=SECRET.encode())


# --------------------------------------------------------------------------- one conversation
class Reply:
    def __init__(self, messages: List[Dict[str, Any]]) -> None:
        self.messages = messages
        self.texts = [str(m.get("text") or "") for m in messages]
        self.buttons = [(str(b.get("title", "")), str(b.get("payload", "")))
                        for m in messages for b in (m.get("buttons") or [])]

    @property
    def text(self) -> str:
        return "\n".join(self.texts)

    @property
    def searchable(self) -> str:
        """Texts and button titles (a choice offered as a button is part of what the customer reads)."""
        return self.text + "\n" + "\n".join(title for title, _ in self.buttons)

    def show(self) -> str:
        lines = ["--- bot reply:"] + [f"  | {line}" for line in self.text.splitlines()]
        lines += [f"  [button] {title} -> {payload}" for title, payload in self.buttons]
        return "\n".join(lines)


def _verify(stack: Stack, sender: str, account_id: str, metadata: Dict[str, Any], log: List[str]) -> None:
    account = ACCOUNTS[account_id]
    contract_no = account["contracts"][0]["contract_no"]
    last4 = "".join(ch for ch in account["phone"] if ch.isdigit())[-4:]
    for text in ("本人確認したい", contract_no, last4):
        reply = Reply(stack.say(sender, text, metadata))
        log.append(f">>> {text}\n{reply.show()}")
    assert VERIFIED in reply.text, "in-chat verification did not succeed\n" + "\n".join(log)


def _check(turn: Dict[str, Any], reply: Reply) -> List[str]:
    failures: List[str] = []
    haystack = reply.searchable
    for item in turn.get("expect") or []:
        options = [str(x) for x in item] if isinstance(item, list) else [str(item)]
        if not any(option in haystack for option in options):
            failures.append(f"expected {' or '.join(repr(o) for o in options)}")
    for item in turn.get("absent") or []:
        if str(item) in haystack:
            failures.append(f"must not contain {str(item)!r}")
    button_text = [t + " " + p for t, p in reply.buttons]
    for item in turn.get("buttons") or []:
        if not any(str(item) in b for b in button_text):
            failures.append(f"expected a button with {str(item)!r}")
    return failures


def _conversation_ids() -> List[str]:
    """ASCII ids `<file>-<NN>` (pytest escapes non-ASCII ids into \\uXXXX, which nobody can read);
    the conversation's Japanese name heads every failure message and the optional report."""
    ids, seen = [], {}
    for conv in CONVERSATIONS:
        stem = conv["_file"].rsplit(".", 1)[0]
        seen[stem] = seen.get(stem, 0) + 1
        ids.append(f"{stem}-{seen[stem]:02d}")
    return ids


CONVERSATION_IDS = _conversation_ids()


def _report(conv_id: str, conv: Dict[str, Any], ok: bool, detail: str) -> None:
    """ACCOUNT_CONVERSATIONS_REPORT=FILE: one line per conversation (PASS/FAIL id name), then the
    details of a failure (of every conversation with ACCOUNT_CONVERSATIONS_VERBOSE=1)."""
    target = os.environ.get("ACCOUNT_CONVERSATIONS_REPORT")
    if not target:
        return
    with open(target, "a", encoding="utf-8") as fh:
        fh.write(f"{'PASS' if ok else 'FAIL'}\t{conv_id}\t{conv['name']}\n")
        if detail:
            fh.write("".join(f"\t\t{line}\n" for line in detail.splitlines()))


@pytest.mark.slow
@pytest.mark.parametrize("conv", CONVERSATIONS, ids=CONVERSATION_IDS)
def test_conversation(stack: Stack, conv: Dict[str, Any]) -> None:
    conv_id = CONVERSATION_IDS[CONVERSATIONS.index(conv)]
    try:
        log = _play(stack, conv)
    except AssertionError as exc:
        _report(conv_id, conv, False, str(exc))
        raise
    except Exception as exc:
        _report(conv_id, conv, False, f"{type(exc).__name__}: {exc}")
        raise
    _report(conv_id, conv, True, "\n".join(log) if os.environ.get("ACCOUNT_CONVERSATIONS_VERBOSE") else "")


def _play(stack: Stack, conv: Dict[str, Any]) -> List[str]:
    sender = "acc-conv-" + uuid.uuid4().hex[:12]
    metadata: Dict[str, Any] = {"today": _text_of(conv["today"])}
    log: List[str] = [f"[{conv['_file']}] {conv['name']} (account {conv.get('account')}, login "
                      f"{conv['login']}, today {metadata['today']}, sender {sender})"]
    if conv["login"] == "token":
        metadata["token"] = _token(conv["account"])
    elif conv["login"] == "verify":
        _verify(stack, sender, conv["account"], metadata, log)
    failed = False
    for i, turn in enumerate(conv["turns"], start=1):
        reply = Reply(stack.say(sender, turn["user"], metadata))
        failures = _check(turn, reply)
        log.append(f">>> turn {i}: {turn['user']}\n{reply.show()}")
        if failures:
            failed = True
            log.append("  FAILED: " + "; ".join(failures))
    assert not failed, "\n".join(log)
    return log
