"""The building blocks of the defences, without servers: shared verification limits (memory and
the accounts database), the REST caller check, the action server's secret check and bounded
inflation, masking, the metadata the channels pass on, the signed lock scope."""
from __future__ import annotations

import asyncio
import zlib

import pytest
from sanic.compat import Header

from bot import action_server
from bot.channels import rates
from bot.identity import attempts, limits, locks
from bot.privacy import masking, phones

KEY = b"unit-test-secret-0123456789-0123456789"
T = 1_795_000_000.0


# ---- verification limits ------------------------------------------------------------------------

@pytest.fixture(params=["memory", "sqlite"])
def limiter(request, tmp_path, monkeypatch):
    monkeypatch.setenv("MADOGUCHI_SECRET", KEY.decode())
    if request.param == "memory":
        store = attempts.MemoryAttemptStore()
    else:
        store = attempts.SqlAttemptStore(f"sqlite:///{tmp_path / 'accounts.db'}")
    yield limits.VerificationLimiter(store)
    from bot.storage import db

    db.dispose_all()


def test_five_failures_for_one_contract_refuse_it_for_30_minutes(limiter):
    for i in range(4):
        verdict = limiter.record_failure("RS-0001", f"client-{i}", T + i)
        assert not verdict.refused(T + i) and verdict.contract_failures == i + 1
    verdict = limiter.record_failure("ｒｓ－０００１", "client-5", T + 10)       # the same number, typed otherwise
    assert verdict.refused(T + 10) and verdict.scope == limits.CONTRACT
    assert verdict.locked_until == T + 10 + 30 * 60
    for client in ("client-6", None):
        assert limiter.check("RS-0001", client, T + 11).refused(T + 11)
    assert not limiter.check("RS-0001", "client-6", T + 10 + 30 * 60 + 1).refused(T + 10 + 30 * 60 + 1)
    assert not limiter.check("RS-0002", "client-6", T + 11).refused(T + 11)   # other contracts are not affected


def test_failures_older_than_the_window_do_not_count(limiter):
    for i in range(4):
        limiter.record_failure("RS-0001", "c", T + i)
    verdict = limiter.record_failure("RS-0001", "c", T + 31 * 60)
    assert not verdict.refused(T + 31 * 60) and verdict.contract_failures == 1


def test_one_client_trying_many_contracts_is_refused(limiter):
    for i in range(limiter.client_max):
        verdict = limiter.record_failure(f"RS-{1000 + i}", "sio:attacker", T + i)
    assert verdict.refused(T + 20) and verdict.scope == limits.CLIENT
    assert limiter.check("RS-5000", "sio:attacker", T + 21).scope == limits.CLIENT
    assert not limiter.check("RS-5000", "sio:someone-else", T + 21).refused(T + 21)


def test_unknown_and_known_contract_numbers_are_counted_alike(limiter):
    for i in range(5):
        known = limiter.record_failure("RS-0001", None, T + i)
        unknown = limiter.record_failure("RS-0999", None, T + i)
        assert (known.refused(T + i), known.contract_failures) == (unknown.refused(T + i), unknown.contract_failures)


def test_stored_keys_are_keyed_hashes(tmp_path, monkeypatch):
    import sqlite3

    monkeypatch.setenv("MADOGUCHI_SECRET", KEY.decode())
    url = f"sqlite:///{tmp_path / 'accounts.db'}"
    limiter = limits.VerificationLimiter(attempts.SqlAttemptStore(url))
    for i in range(5):
        limiter.record_failure("RS-0001", "sio:abc", T + i)
    with sqlite3.connect(tmp_path / "accounts.db") as con:
        keys = [k for (k,) in con.execute("SELECT key FROM verification_failures UNION SELECT key FROM verification_locks")]
    assert keys and all("RS" not in k and "abc" not in k and len(k) == 40 for k in keys)
    other = limits.VerificationLimiter(attempts.SqlAttemptStore(url), secret=b"another-secret-0123456789")
    assert not other.check("RS-0001", None, T + 6).refused(T + 6)      # keys depend on the secret
    from bot.storage import db

    db.dispose_all()


def test_message_rate_per_client():
    rate = rates.MessageRate(limit=3, period=60)
    assert [rate.allow("a", 0), rate.allow("a", 1), rate.allow("a", 2), rate.allow("a", 3)] == [True, True, True, False]
    assert rate.allow("b", 3)
    assert rate.allow("a", 61)


def test_mask_contract():
    assert limits.mask_contract("rs-0001") == "RS-**01"


# ---- the conversation's lock records a shared refusal --------------------------------------------

def test_shared_lock_scope_is_signed():
    state = locks.shared_lock(locks.LockState(failures=1), locks.SCOPE_CONTRACT, T + 600)
    value = locks.issue_lock(state, "conv-1", secret=KEY)
    read = locks.read_lock(value, "conv-1", T, secret=KEY)
    assert read.scope == locks.SCOPE_CONTRACT and read.locked(T) and read.failures == 1
    forged = value.rsplit(":", 1)[0] + ":client"
    assert locks.read_lock(forged, "conv-1", T, secret=KEY).scope == locks.CONVERSATION  # tampered: locked
    assert locks.read_lock(forged, "conv-1", T, secret=KEY).locked(T)
    # the old four-part format still reads
    old = locks.issue_lock(locks.LockState(failures=2), "conv-1", secret=KEY)
    assert old.count(":") == 3 and locks.read_lock(old, "conv-1", T, secret=KEY).failures == 2


def test_lockout_text_for_a_refused_contract_points_to_the_website_and_the_phone():
    from actions.identity import lockout_text

    text = lockout_text(locks.LockState(failures=0, locked_until=T + 1800, scope=locks.SCOPE_CONTRACT), None)
    assert "正しい番号" in text and "ログイン" in text and "窓口" in text


# ---- REST callers --------------------------------------------------------------------------------

class FakeRequest:
    def __init__(self, ip: str, headers: dict) -> None:
        self.ip = ip
        self.headers = Header(headers)


def _authorize(monkeypatch, env: dict, ip: str, headers: dict):
    from bot.channels import rest

    for name in ("MADOGUCHI_ENV", "MADOGUCHI_REST_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    refused = rest.authorize(FakeRequest(ip, headers))
    return None if refused is None else (refused.status, refused.code)


@pytest.mark.parametrize("ip,headers,expected", [
    ("127.0.0.1", {}, None),
    ("::1", {}, None),
    ("127.0.0.1", {"X-Forwarded-For": "127.0.0.1"}, None),              # nginx of make cluster
    ("10.1.2.3", {}, (403, "forbidden")),
    ("127.0.0.1", {"X-Real-IP": "203.0.113.9"}, (403, "forbidden")),    # through a proxy from outside
    ("127.0.0.1", {"X-Forwarded-For": "203.0.113.9, 127.0.0.1"}, (403, "forbidden")),
    ("127.0.0.1", {"Forwarded": 'for="[2001:db8::1]:443"'}, (403, "forbidden")),
])
def test_rest_in_development_answers_loopback_callers_only(monkeypatch, ip, headers, expected):
    assert _authorize(monkeypatch, {}, ip, headers) == expected


@pytest.mark.parametrize("headers,expected", [
    ({"Authorization": "Bearer s3cret-token-value"}, None),
    ({"Authorization": "bearer   s3cret-token-value "}, None),
    ({}, (401, "unauthorized")),
    ({"Authorization": "Bearer s3cret-token-valuf"}, (401, "unauthorized")),
    ({"Authorization": "s3cret-token-value"}, (401, "unauthorized")),
])
def test_rest_in_production_needs_the_bearer_token(monkeypatch, headers, expected):
    env = {"MADOGUCHI_ENV": "production", "MADOGUCHI_REST_TOKEN": "s3cret-token-value"}
    assert _authorize(monkeypatch, env, "203.0.113.9", headers) == expected


def test_rest_in_production_without_a_configured_token_is_off(monkeypatch):
    refused = _authorize(monkeypatch, {"MADOGUCHI_ENV": "production"}, "127.0.0.1", {"Authorization": "Bearer "})
    assert refused == (403, "rest_disabled")


# ---- action server -------------------------------------------------------------------------------

def test_action_server_secret_check():
    secret = "a-shared-secret-0123456789"
    assert action_server.authorized(f"Bearer {secret}", secret) is None
    assert action_server.authorized(None, secret) == 401
    assert action_server.authorized("Basic abc", secret) == 401
    assert action_server.authorized("Bearer wrong", secret) == 403


def test_action_server_refuses_to_start_without_a_secret(monkeypatch):
    monkeypatch.delenv("MADOGUCHI_ACTION_SECRET", raising=False)
    with pytest.raises(SystemExit):
        action_server.configured_secret()
    monkeypatch.setenv("MADOGUCHI_ACTION_SECRET", "short")
    with pytest.raises(SystemExit):
        action_server.configured_secret()


def test_bounded_inflation():
    assert action_server.inflate_bounded(zlib.compress(b"x" * 100), 100) == b"x" * 100
    with pytest.raises(ValueError):
        action_server.inflate_bounded(zlib.compress(b"x" * 101), 100)
    with pytest.raises(ValueError):
        action_server.inflate_bounded(b"not deflate", 100)


# ---- masking -------------------------------------------------------------------------------------

@pytest.mark.parametrize("text,last4", [
    ("+81 90-1234-5678", "5678"), ("(090)1234-5678", "5678"), ("090.1234.5678", "5678"),
    ("090/1234/5678", "5678"), ("０９０－１２３４－５６７８", "５６７８"), ("+８１ ９０ １２３４ ５６７８", "５６７８"),
    ("090 1234 5678", "5678"), ("03-1234-5678", "5678"), ("0312345678", "5678"), ("090ー1234ー5678", "5678"),
    ("+81 (0)90-1234-5678", "5678"),
])
def test_one_phone_matcher_for_logs_and_the_tracker_store(text, last4):
    sentence = f"電話は{text}です"
    assert phones.redact(sentence) == f"電話は***-****-{last4}です"
    masked = masking.mask(sentence)
    assert masked == "電話は***-****-****です", masked


@pytest.mark.parametrize("text", ["RS-0001", "120,000円", "2026-11-20", "2026/11/20 10:00", "5678", "1234567",
                                  "契約 RS-0001 2026-11-20 合計 12345678円", "1764587000.123456"])
def test_not_phone_numbers(text):
    assert phones.redact(text) == text
    assert masking.mask(text) == text


@pytest.mark.parametrize("text,masked", [
    ("山田太郎様のご契約内容です", "***様のご契約内容です"), ("山田 太郎様", "***様"), ("ヤマダタロウさま", "***さま"),
    ("お客様のご契約", "お客様のご契約"), ("皆様", "皆様"),
])
def test_names_with_and_without_a_space_are_masked_in_logs(text, masked):
    assert masking.mask(text) == masked


# ---- metadata passed on by the channels ----------------------------------------------------------

def _metadata(raw, monkeypatch, env="development", **kwargs):
    from bot.channels import guard

    monkeypatch.setenv("MADOGUCHI_ENV", env)
    return asyncio.run(guard.secure_metadata(raw, "conv-1", **kwargs))


def test_display_goes_through_the_input_guard(monkeypatch):
    out = _metadata({"display": "\u202e電話 090-1234-5678\x00" + "あ" * 500}, monkeypatch, extra=None)
    assert out["display"].startswith("電話 ***-****-5678") and len(out["display"]) <= 200
    assert "\u202e" not in out["display"] and "\x00" not in out["display"]
    assert "display" not in _metadata({"display": "\u200b \x01"}, monkeypatch)


def test_today_only_outside_production_and_client_only_from_the_channel(monkeypatch):
    assert _metadata({"today": "2026-11-16"}, monkeypatch)["today"] == "2026-11-16"
    assert "today" not in _metadata({"today": "2026-11-16"}, monkeypatch, env="production")
    assert "today" not in _metadata({"today": "2026-02-30"}, monkeypatch)
    assert "client" not in _metadata({"client": "forged", "anything": 1}, monkeypatch)
    assert set(_metadata({"client": "forged", "anything": 1}, monkeypatch, client="rest:abc")) == {"client"}
    assert _metadata({}, monkeypatch, client="rest:abc")["client"] == "rest:abc"


def test_rest_client_is_the_backends_customer_else_the_conversation():
    from bot.channels.rest import rest_client

    assert rest_client("conv-1", {"client": "session-42"}) == rest_client("conv-2", {"client": "session-42"})
    assert rest_client("conv-1", {}) != rest_client("conv-2", {})
    assert rest_client("conv-1", {"client": "x" * 500}) == rest_client("conv-1", {})
    assert "session-42" not in rest_client("conv-1", {"client": "session-42"})
