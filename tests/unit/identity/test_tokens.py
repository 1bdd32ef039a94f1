"""Login tokens: round trip, and distinct reasons for tampered, expired, unknown-account tokens."""
import base64
import json
import time
from pathlib import Path

import pytest

from bot.identity import tokens
from bot.identity.tokens import TokenError

SECRET = b"test-secret-0123456789-0123456789-abcdef"
KNOWN = {"A1001"}
GOOD = Path(__file__).resolve().parents[2] / "fixtures" / "good_accounts.yml"


def _verify(token, **kwargs):
    return tokens.verify(token, secret=SECRET, exists=KNOWN.__contains__, **kwargs)


def test_round_trip():
    token = tokens.issue("A1001", secret=SECRET)
    assert _verify(token) == "A1001"


def test_default_lifetime_is_60_minutes():
    token = tokens.issue("A1001", secret=SECRET, now=1_000_000)
    assert _verify(token, now=1_000_000 + 59 * 60) == "A1001"
    with pytest.raises(TokenError) as error:
        _verify(token, now=1_000_000 + 60 * 60)
    assert error.value.reason == tokens.EXPIRED


def test_custom_lifetime():
    token = tokens.issue("A1001", minutes=5, secret=SECRET, now=1_000_000)
    with pytest.raises(TokenError) as error:
        _verify(token, now=1_000_000 + 5 * 60 + 1)
    assert error.value.reason == tokens.EXPIRED


def _reencode(token, **changes):
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims.update(changes)
    raw = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{raw}.{signature}"


def test_tampered_payload_is_rejected():
    token = tokens.issue("A1001", secret=SECRET)
    with pytest.raises(TokenError) as error:
        _verify(_reencode(token, sub="A1002"))
    assert error.value.reason == tokens.TAMPERED
    with pytest.raises(TokenError) as error:
        _verify(_reencode(token, exp=int(time.time()) + 10**6))
    assert error.value.reason == tokens.TAMPERED


def test_token_signed_with_another_key_is_rejected():
    token = tokens.issue("A1001", secret=b"another-secret-0123456789-0123456789")
    with pytest.raises(TokenError) as error:
        _verify(token)
    assert error.value.reason == tokens.TAMPERED


def test_unknown_account_is_rejected():
    token = tokens.issue("A9999", secret=SECRET)
    with pytest.raises(TokenError) as error:
        _verify(token)
    assert error.value.reason == tokens.UNKNOWN_ACCOUNT


@pytest.mark.parametrize("junk", ["", "abc", "a.b.c", "eyJ.eyJ.sig", None])
def test_malformed(junk):
    with pytest.raises(TokenError) as error:
        _verify(junk)
    assert error.value.reason == tokens.MALFORMED


def test_expiry_is_checked_before_the_account():
    token = tokens.issue("A9999", secret=SECRET, now=0)
    with pytest.raises(TokenError) as error:
        _verify(token)
    assert error.value.reason == tokens.EXPIRED


def test_verify_checks_the_accounts_database(tmp_path, monkeypatch):
    from bot.storage import db, fixtures

    url = f"sqlite:///{tmp_path / 'accounts.db'}"
    monkeypatch.setenv("MADOGUCHI_DB_URL", url)
    monkeypatch.setenv("MADOGUCHI_SECRET", SECRET.decode())
    fixtures.import_file(GOOD, url)
    try:
        assert tokens.verify(tokens.issue("T1001")) == "T1001"
        with pytest.raises(TokenError) as error:
            tokens.verify(tokens.issue("A1001"))
        assert error.value.reason == tokens.UNKNOWN_ACCOUNT
    finally:
        db.dispose_all()


def test_verify_with_expiry_gives_the_expiry_the_channels_bound_their_claims_to():
    token = tokens.issue("A1001", minutes=5, secret=SECRET, now=1_000_000)
    assert tokens.verify_with_expiry(token, secret=SECRET, exists=KNOWN.__contains__, now=1_000_010) == (
        "A1001", 1_000_000 + 5 * 60)
    with pytest.raises(TokenError):
        tokens.verify_with_expiry(token, secret=b"another-secret-0123456789-abcdef", exists=KNOWN.__contains__)
