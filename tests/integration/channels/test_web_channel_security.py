"""Security of the chat channel (bot.channels.secure_socketio) against a real server.

The server (tests/integration/channels/echo_server.py) runs the channel in Sanic with a fake agent that echoes,
as JSON, the text, sender id and metadata that reached Rasa. Clients are python-socketio
AsyncClients speaking to it over a real websocket.
"""
from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import shutil

import pytest

from tests.support.webchat import (
    PROJECT_ROOT, ChatClient, free_port, http, start_process, stop_process, wait_http,
)

SECRET = "test-secret-for-web-channel-tests"

DEMO_FIXTURE = """\
accounts:
  - id: A1001
    name: 山田 太郎
    phone: 090-1234-5678
    internet_line: null
    contracts: []
  - id: A1002
    name: 佐藤 花子
    phone: 080-0000-1111
    internet_line: null
    contracts: []
"""


def _start_echo(tmp: Path, name: str, env: dict, demo_file: Path) -> tuple:
    port = free_port()
    log = tmp / f"{name}.log"
    env = {"MADOGUCHI_SECRET": SECRET, "MADOGUCHI_VAR_DIR": str(tmp / "var"),
           "MADOGUCHI_DB_URL": f"sqlite:///{tmp / 'accounts.db'}", **env}
    # the demo accounts exist in this server's accounts database (login tokens are checked there)
    subprocess.run([sys.executable, "-m", "bot", "accounts", "import", str(demo_file)],
                   cwd=PROJECT_ROOT, env={**os.environ, **env, "PYTHONPATH": str(PROJECT_ROOT)},
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300)
    process = start_process(
        [sys.executable, str(Path(__file__).with_name("echo_server.py")), str(port), str(demo_file)],
        log, env=env, cwd=PROJECT_ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(base + "/webhooks/madoguchi/", process, timeout=90, log=log)
    except Exception:
        stop_process(process)
        raise
    return process, base


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("fixtures") / "demo_accounts.yml"
    path.write_text(DEMO_FIXTURE, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def server(tmp_path_factory, demo_file):
    process, base = _start_echo(
        tmp_path_factory.mktemp("echo"), "echo", {"MADOGUCHI_ENV": "development"}, demo_file
    )
    yield base
    stop_process(process)


@pytest.fixture(scope="module")
def production_server(tmp_path_factory, demo_file):
    process, base = _start_echo(
        tmp_path_factory.mktemp("echo_prod"), "echo_prod", {"MADOGUCHI_ENV": "production"}, demo_file
    )
    yield base
    stop_process(process)


@pytest.fixture
def secret_env(monkeypatch, tmp_path):
    monkeypatch.setenv("MADOGUCHI_SECRET", SECRET)
    monkeypatch.setenv("MADOGUCHI_VAR_DIR", str(tmp_path / "var"))


async def _client(base: str, **kwargs) -> ChatClient:
    return await ChatClient().connect(base, **kwargs)


def _echo(data) -> dict:
    return json.loads(data["text"])


def _sender(session_key: str) -> str:
    return session_key.split(".")[0]


async def _quiet(client: ChatClient, event: str, seconds: float = 1.5) -> None:
    """Assert that `event` does not arrive within `seconds`."""
    with pytest.raises(asyncio.TimeoutError):
        data = await client.expect(event, timeout=seconds)
        pytest.fail(f"unexpected {event}: {data!r}")


# ----------------------------------------------------------------------------- over the wire
@pytest.mark.asyncio
async def test_server_issues_signed_session_and_ignores_chosen_ids(server, secret_env):
    from bot.channels.secure_socketio import verify_session

    client = await _client(server)
    try:
        key = await client.session("my-own-chosen-id")
        assert _sender(key) != "my-own-chosen-id"
        assert verify_session(key) == _sender(key)
        # not resumed: no history is sent for a fresh session
        await _quiet(client, "session_history", 0.5)
    finally:
        await client.close()


@pytest.mark.asyncio
async def test_forged_or_foreign_session_ids_are_not_joined(server):
    victim = await _client(server)
    attacker = await _client(server)
    try:
        victim_key = await victim.session(None)
        victim_sender = _sender(victim_key)
        await victim.say("私の秘密の相談")
        assert _echo(await victim.expect("bot_uttered"))["sender"] == victim_sender

        sender, issued, signature = victim_key.split(".")
        forged = [
            victim_sender,                                   # the bare conversation id
            f"{victim_sender}.{issued}.{'A' * len(signature)}",  # made-up signature
            f"{victim_sender}.{int(issued) + 1}.{signature}",    # tampered timestamp
            f"{victim_sender}x.{issued}.{signature}",            # tampered id
            victim_key + ".extra",
            "web-" + "A" * 32,
        ]
        for candidate in forged:
            key = await attacker.session(candidate)
            assert _sender(key) != victim_sender, candidate
        for payload in (None, "string", ["list"], {"session_id": 12345}):
            key = await attacker.session(payload=payload)
            assert _sender(key) != victim_sender
        # none of these resumed anything, so no history (with the victim's text) was sent
        assert not any("秘密" in json.dumps(h, ensure_ascii=False)
                       for h in attacker.seen["session_history"])

        # The victim keeps talking: the attacker must not receive any of it.
        await victim.say("口座番号は1234です")
        assert _echo(await victim.expect("bot_uttered"))["echo"] == "口座番号は1234です"
        await _quiet(attacker, "bot_uttered")
        assert all(_echo(m)["sender"] != victim_sender for m in attacker.seen["bot_uttered"])
    finally:
        await victim.close()
        await attacker.close()


@pytest.mark.asyncio
async def test_message_with_guessed_session_id_never_reaches_other_conversation(server):
    victim = await _client(server)
    attacker = await _client(server)
    try:
        victim_key = await victim.session(None)
        attacker_key = await attacker.session(None)
        victim_sender = _sender(victim_key)

        # the attacker even knows the victim's full key, but is bound to its own session
        for session_id in (victim_sender, victim_key):
            await attacker.say("乗っ取り", session_id=session_id, sender=victim_sender)
            echo = _echo(await attacker.expect("bot_uttered"))
            assert echo["sender"] == _sender(attacker_key)
        await _quiet(victim, "bot_uttered")
        await _quiet(victim, "bot_typing", 0.2)

        # and the victim's stored conversation does not contain the attacker's message
        await victim.close()
        again = await _client(server)
        try:
            assert _sender(await again.session(victim_key)) == victim_sender
            history = await again.expect("session_history")
            assert "乗っ取り" not in json.dumps(history, ensure_ascii=False)
        finally:
            await again.close()
    finally:
        await victim.close()
        await attacker.close()


@pytest.mark.asyncio
async def test_issued_session_resumes_with_history(server):
    first = await _client(server)
    key = await first.session(None)
    await first.say("buttons", metadata={"display": "ボタンを見せて"})
    reply = await first.expect("bot_uttered")
    assert [b["title"] for b in reply["quick_replies"]] == ["はい", "いいえ"]
    assert isinstance(reply.get("timestamp"), float)
    await first.close()

    second = await _client(server)
    try:
        resumed = await second.session(key)
        assert _sender(resumed) == _sender(key)
        history = (await second.expect("session_history"))["messages"]
        assert [m["sender"] for m in history] == ["user", "bot"]
        assert history[0]["text"] == "ボタンを見せて"  # the title the customer clicked
        assert history[1]["quick_replies"][0] == {"title": "はい", "payload": "/affirm"}
        # bot messages of the resumed session reach the new connection
        await second.say("続き")
        assert _echo(await second.expect("bot_uttered"))["sender"] == _sender(key)
    finally:
        await second.close()


@pytest.mark.asyncio
async def test_message_before_session_request_is_ignored(server):
    client = await _client(server)
    try:
        await client.say("こんにちは", session_id="web-whatever")
        assert (await client.expect("session_error"))["error"] == "no_session"
        await _quiet(client, "bot_uttered", 0.5)
    finally:
        await client.close()


def _claimed_account(echo: dict):
    """The account of the conversation claim that replaced the login token (bot/channels/guard.py)."""
    from bot.identity import claims

    claim = echo["metadata"].get("token")
    if claim is None:
        return None
    if claim == claims.CLAIM_REJECTED:
        return "rejected"
    assert claim.startswith(claims.CLAIM_PREFIX + ":"), claim  # the raw token never reaches Rasa
    return claims.check_claim(claim, echo["sender"], time.time())


@pytest.mark.asyncio
async def test_login_token_is_passed_on_and_other_metadata_dropped(server, secret_env):
    from bot.identity import tokens

    token_a, token_b = tokens.issue("A1001"), tokens.issue("A1002")
    client = await _client(server, auth={"token": token_a})
    try:
        await client.session(None)
        await client.say("a")  # the connection's token
        assert _claimed_account(_echo(await client.expect("bot_uttered"))) == "A1001"
        await client.say("b", metadata={"token": token_b, "account_id": "A1001",
                                        "session_id": "web-x", "display": "ボタン"})
        echo = _echo(await client.expect("bot_uttered"))  # the message's token wins
        assert _claimed_account(echo) == "A1002"
        # nothing else from the client; `client` is the channel's own hash of the connection
        assert set(echo["metadata"]) == {"token", "display", "client"}
        assert echo["metadata"]["client"].startswith("sio:") and client.sio.sid not in echo["metadata"]["client"]
        await client.say("c", metadata=json.dumps({"token": token_b}))
        assert _claimed_account(_echo(await client.expect("bot_uttered"))) == "A1002"
        await client.say("d", metadata={"token": token_a + "x"})  # tampered
        assert _claimed_account(_echo(await client.expect("bot_uttered"))) == "rejected"
    finally:
        await client.close()

    anonymous = await _client(server)
    try:
        await anonymous.session(None)
        await anonymous.say("e", metadata={"token": 123})
        assert _echo(await anonymous.expect("bot_uttered"))["metadata"].get("token") in (
            None, "claim1:rejected")
        await anonymous.say("f")
        assert set(_echo(await anonymous.expect("bot_uttered"))["metadata"]) == {"client"}
    finally:
        await anonymous.close()


@pytest.mark.asyncio
async def test_logout_and_new_conversation_drop_the_connections_login(server, secret_env):
    """ログアウト / 新しい会話 on a connection opened with a login token (issue #13): afterwards a
    message without a token of its own is anonymous; a message with one still logs in."""
    from bot.identity import tokens

    token = tokens.issue("A1001")
    for drop in ("logout", "new"):
        client = await _client(server, auth={"token": token})
        try:
            await client.session(None)
            await client.say(f"before-{drop}")
            assert _claimed_account(_echo(await client.expect("bot_uttered"))) == "A1001"
            if drop == "logout":
                await client.sio.emit("logout", {})
                await client.session(None)
            else:
                await client.session(payload={"new": True})
            await client.say(f"after-{drop}")
            assert "token" not in _echo(await client.expect("bot_uttered"))["metadata"]
            await client.say(f"again-{drop}", metadata={"token": token})   # the page logs in again
            assert _claimed_account(_echo(await client.expect("bot_uttered"))) == "A1001"
        finally:
            await client.close()


@pytest.mark.asyncio
async def test_typing_indicator_events_surround_the_answer(server):
    client = await _client(server)
    try:
        await client.session(None)
        await client.say("x")
        assert (await client.expect("bot_typing")) == {"typing": True}
        await client.expect("bot_uttered")
        assert (await client.expect("bot_typing")) == {"typing": False}
    finally:
        await client.close()


# ----------------------------------------------------------------------------- the page over HTTP
def test_chat_page_is_served_with_security_headers(server):
    status, headers, body = http("GET", server + "/chat/")
    assert status == 200
    assert '<html lang="ja">' in body.decode("utf-8")
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'self'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    status, headers, body = http("GET", server + "/chat/vendor/socket.io.min.js")
    assert status == 200 and headers["Content-Type"].startswith("text/javascript")
    assert b"Socket.IO v4." in body[:200]
    for path in ("/chat/../bot/settings.py", "/chat/%2e%2e/%2e%2e/bot/settings.py",
                 "/chat/nope.js", "/chat/vendor/"):
        assert http("GET", server + path)[0] == 404, path
    status, headers, _ = http("GET", server + "/chat")
    assert status in (301, 302, 307, 308) and headers["Location"].endswith("/chat/")


def test_config_lists_demo_accounts_in_development(server):
    status, _, body = http("GET", server + "/chat/api/config")
    config = json.loads(body)
    assert status == 200 and config["dev_mode"] is True
    assert config["demo_accounts"] == [{"id": "A1001", "name": "山田 太郎"},
                                       {"id": "A1002", "name": "佐藤 花子"}]
    assert config["user_message_evt"] == "user_uttered"


def _demo_login(base: str, account_id, content_type="application/json"):
    status, _, body = http("POST", base + "/chat/api/demo-login",
                           json.dumps({"account_id": account_id}).encode(),
                           {"Content-Type": content_type})
    return status, json.loads(body or b"{}")


def test_demo_login_only_for_demo_accounts(server, secret_env):
    for bad in ("A9999", "../A1001", None, 1001):
        assert _demo_login(server, bad)[0] == 403, bad
    assert _demo_login(server, "A1001", content_type="text/plain")[0] == 415
    status, body = _demo_login(server, "A1001")
    from bot.identity import tokens

    assert status == 200, body
    assert body["account_id"] == "A1001" and body["name"] == "山田 太郎"
    try:
        assert tokens.verify(body["token"]) == "A1001"
    except tokens.TokenError as exc:
        # signed correctly; only the (empty) test accounts database does not know A1001
        assert getattr(exc, "reason", None) == "unknown_account", exc


def test_demo_login_disabled_in_production(production_server):
    status, _, body = http("GET", production_server + "/chat/api/config")
    config = json.loads(body)
    assert config["dev_mode"] is False and config["demo_accounts"] == []
    assert _demo_login(production_server, "A1001")[0] == 404


@pytest.fixture(scope="module")
def two_servers_with_redis(tmp_path_factory, demo_file):
    """Two channel servers sharing rooms through Redis (`client_manager_url`)."""
    redis = shutil.which("redis-server")
    if redis is None:
        pytest.skip("redis-server is not installed")
    tmp = tmp_path_factory.mktemp("redis")
    port = free_port()
    redis_process = start_process(
        [redis, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(tmp)], tmp / "redis.log", {}, cwd=tmp)
    servers = []
    try:
        deadline = time.monotonic() + 20
        import socket

        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        env = {"MADOGUCHI_ENV": "development", "MADOGUCHI_TEST_SIO_MANAGER": f"redis://127.0.0.1:{port}/0"}
        for name in ("a", "b"):
            servers.append(_start_echo(tmp_path_factory.mktemp(f"echo_{name}"), name, env, demo_file))
        yield [base for _, base in servers]
    finally:
        for process, _ in servers:
            stop_process(process)
        stop_process(redis_process)


@pytest.mark.asyncio
async def test_rooms_shared_between_servers_stay_private(two_servers_with_redis):
    server_a, server_b = two_servers_with_redis
    on_a = await _client(server_a)
    stranger_on_a = await _client(server_a)
    try:
        key = await on_a.session(None)
        await stranger_on_a.session(None)
        # the same customer, resumed on the other server (e.g. after a fail-over or in a second tab)
        on_b = await _client(server_b)
        try:
            assert _sender(await on_b.session(key)) == _sender(key)
            await on_b.expect("session_history")
            await on_b.say("サーバーBから")
            assert _echo(await on_b.expect("bot_uttered"))["echo"] == "サーバーBから"
            # the reply made by server B reaches the customer's connection on server A ...
            assert _echo(await on_a.expect("bot_uttered"))["echo"] == "サーバーBから"
            # ... and nobody else's
            await _quiet(stranger_on_a, "bot_uttered")
        finally:
            await on_b.close()
    finally:
        await on_a.close()
        await stranger_on_a.close()
