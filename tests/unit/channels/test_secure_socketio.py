"""The chat channel's pieces without a server: session keys (bot.channels.session_keys), the
history shape (bot.channels.web_conversations), the demo accounts file and the embedding policy
(bot.channels.chat_page, through bot.channels.secure_socketio)."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import pytest

SECRET = "test-secret-for-web-channel-tests"


@pytest.fixture
def secret_env(monkeypatch, tmp_path):
    monkeypatch.setenv("MADOGUCHI_SECRET", SECRET)
    monkeypatch.setenv("MADOGUCHI_VAR_DIR", str(tmp_path / "var"))


def test_session_keys_are_signed_unguessable_and_expire(secret_env):
    from bot.channels import session_keys as ch

    a, b = ch.new_sender_id(), ch.new_sender_id()
    assert a != b and a.startswith("web-") and len(a) >= 4 + 32
    key = ch.sign_session(a)
    assert ch.verify_session(key) == a
    sender, issued, signature = key.split(".")
    assert ch.verify_session(a) is None  # a bare sender id is not a key
    assert ch.verify_session(f"{b}.{issued}.{signature}") is None  # signature of another session
    assert ch.verify_session(f"{a}.{int(issued) + 1}.{signature}") is None
    assert ch.verify_session(key[:-2] + ("AA" if not key.endswith("AA") else "BB")) is None
    assert ch.verify_session(None) is None and ch.verify_session({"x": 1}) is None
    # signed with another secret (same algorithm, same message)
    other = base64.urlsafe_b64encode(
        hmac.new(b"other-secret", f"{a}.{issued}".encode(), hashlib.sha256).digest()
    ).rstrip(b"=").decode()
    assert ch.verify_session(f"{a}.{issued}.{other}") is None
    # expiry
    old = ch.sign_session(a, issued_at=int(time.time()) - 3 * 3600)
    assert ch.verify_session(old, max_age_seconds=3600) is None
    assert ch.verify_session(old, max_age_seconds=4 * 3600) == a
    assert ch.verify_session(ch.sign_session(a, issued_at=int(time.time()) + 3600)) is None


def test_history_messages_shape():
    from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered

    from bot.channels.web_conversations import history_messages

    events = [
        ActionExecuted("action_listen"),
        UserUttered("/affirm", metadata={"display": "はい", "token": "secret"}),
        BotUttered("一行目\n\n二行目", data={"buttons": [{"title": "次へ", "payload": "/next"}]}),
        UserUttered("<script>alert(1)</script>"),
    ]
    messages = history_messages(events)
    assert [(m["sender"], m["text"]) for m in messages] == [
        ("user", "はい"), ("bot", "一行目"), ("bot", "二行目"), ("user", "<script>alert(1)</script>"),
    ]
    assert messages[2]["quick_replies"] == [{"title": "次へ", "payload": "/next"}]
    assert "quick_replies" not in messages[1]
    assert all("token" not in json.dumps(m) for m in messages)


def test_missing_demo_fixture_is_handled(tmp_path):
    from bot.channels.chat_page import load_demo_accounts
    from bot.channels.secure_socketio import SecureSocketIOInput

    assert load_demo_accounts(tmp_path / "missing.yml") == []
    (tmp_path / "broken.yml").write_text("accounts: [", encoding="utf-8")
    assert load_demo_accounts(tmp_path / "broken.yml") == []
    channel = SecureSocketIOInput(demo_accounts=str(tmp_path / "missing.yml"))
    assert channel.page_config()["demo_accounts"] == []


def test_embedding_origins_go_into_frame_ancestors():
    from bot.channels.secure_socketio import SecureSocketIOInput

    channel = SecureSocketIOInput.from_credentials(
        {"embed_origins": ["https://www.example.co.jp"], "chat_path": "/chat"})
    csp = channel._security_headers()["Content-Security-Policy"]
    assert "frame-ancestors 'self' https://www.example.co.jp" in csp
    assert channel.page_config()["embed_origins"] == ["https://www.example.co.jp"]
