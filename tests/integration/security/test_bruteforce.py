"""Attack: guessing the last 4 phone digits of one contract number from many conversations.

Each new REST conversation (a new `sender`) used to start again at zero failures. Now failures are
counted per contract number across conversations (bot.identity.limits, in the accounts database): after 5
the right digits are refused too, politely, with the way forward; an unknown contract number is
refused in the same words."""
from __future__ import annotations

import re
import sqlite3
import uuid

import pytest

pytestmark = pytest.mark.slow

CONTRACT = "RS-0001"        # A1001 (fixtures/demo_accounts.yml), phone 090-0000-1001
RIGHT, WRONG = "1001", "9999"


def _attempt(bot, sender: str, contract: str, digits: str) -> str:
    bot.texts(sender, "/request_verification")
    bot.texts(sender, contract)
    return bot.texts(sender, digits)


def _conversation() -> str:
    return f"brute-{uuid.uuid4().hex[:12]}"


def _without_time(text: str) -> str:
    return re.sub(r"\d+月\d+日\d+時\d+分", "<time>", text)


def test_guessing_across_six_conversations_then_the_right_digits_are_refused(bot):
    replies = [_attempt(bot, _conversation(), CONTRACT, WRONG) for _ in range(5)]
    assert all("確認できませんでした" in r for r in replies[:4]), replies

    sender = _conversation()
    reply = _attempt(bot, sender, CONTRACT, RIGHT)          # the 6th conversation, the right digits
    assert "お受けできません" in reply and "正しい番号" in reply, reply
    assert "ログイン" in reply and "窓口" in reply, reply       # the logged-in website, the phone line
    slots = bot.tracker(sender)["slots"]
    assert not slots.get("identity_proof"), slots
    answer = bot.texts(sender, "私の契約内容を教えてください")
    assert "山田" not in answer and CONTRACT not in answer, answer

    # the failures are in the shared store, under keyed hashes only (no contract number)
    with sqlite3.connect(bot.tmp / "accounts.db") as db:
        rows = db.execute("SELECT scope, key FROM verification_failures").fetchall()
        locks = db.execute("SELECT scope, key FROM verification_locks").fetchall()
    assert sum(1 for scope, _ in rows if scope == "contract") >= 5
    assert ("contract",) in {(s,) for s, _ in locks}
    assert all(CONTRACT not in key and "0001" not in key for _, key in rows + locks)

    # staff can see the failed attempts in the action server's log, masked
    log = bot.actions_log.read_text(errors="replace")
    assert "in-chat verification failed for contract RS-**01" in log
    assert "in-chat verification refused (contract limit)" in log
    assert "090-0000-1001" not in log


def test_an_unknown_contract_number_is_refused_in_the_same_words(bot):
    unknown = "RS-0999"
    known = "LM-0001"          # another demo customer's contract, locked here by wrong digits
    for contract in (unknown, known):
        for _ in range(5):
            _attempt(bot, _conversation(), contract, WRONG)
    refused_unknown = _attempt(bot, _conversation(), unknown, RIGHT)
    refused_known = _attempt(bot, _conversation(), known, RIGHT)
    assert "お受けできません" in refused_known
    assert _without_time(refused_unknown) == _without_time(refused_known)


def test_one_conversation_still_locks_after_three_failures(bot):
    sender = _conversation()
    bot.texts(sender, "/request_verification")
    # different spellings: the channel answers a repeated identical text from its previous reply
    for contract, digits in (("CW-0001", "9999"), ("cw-0001", "9998"), ("ＣＷ－０００１", "9997")):
        bot.texts(sender, contract)
        last = bot.texts(sender, digits)
    assert "3回続けて" in last or "停止" in last, last


def _rest_with_client(bot, sender: str, text: str, client: str) -> str:
    import json as _json
    import urllib.request

    body = _json.dumps({"sender": sender, "message": text, "metadata": {"client": client}}).encode()
    req = urllib.request.Request(bot.webhook, data=body, method="POST", headers={
        "Content-Type": "application/json", "Authorization": f"Bearer {bot.rest_token}"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return "\n".join(m.get("text", "") for m in _json.loads(r.read()))


def test_one_client_guessing_many_contracts_is_refused(bot):
    """10 failures from one client (here the backend's metadata.client), spread over conversations and
    contract numbers so that neither a conversation nor a contract reaches its own limit last."""
    client = f"customer-session-{uuid.uuid4().hex[:8]}"
    spellings = {"RT-0001": ["RT-0001", "rt-0001", "ＲＴ－０００１"], "PA-0001": ["PA-0001", "pa-0001", "ＰＡ－０００１"],
                 "RT-0002": ["RT-0002", "rt-0002", "ＲＴ－０００２", "Rt-0002"]}
    plan = [("RT-0001", 3), ("PA-0001", 3), ("RT-0002", 3), ("RT-0002", 1)]   # 10 failures, 4 conversations
    used = {key: 0 for key in spellings}
    for contract, attempts in plan:
        sender = _conversation()
        _rest_with_client(bot, sender, "/request_verification", client)
        for i in range(attempts):
            _rest_with_client(bot, sender, spellings[contract][used[contract]], client)
            used[contract] += 1
            _rest_with_client(bot, sender, f"99{90 + i}", client)
    sender = _conversation()
    _rest_with_client(bot, sender, "/request_verification", client)
    _rest_with_client(bot, sender, "PA-0001", client)
    reply = _rest_with_client(bot, sender, RIGHT, client)           # PA-0001 is A1001's: right digits
    assert "お受けできません" in reply, reply
    assert not bot.tracker(sender)["slots"].get("identity_proof")
    # the same contract from another client still verifies (PA-0001 has only 3 failures)
    other = _conversation()
    assert "本人確認ができました" in _attempt(bot, other, "PA-0001", RIGHT)
