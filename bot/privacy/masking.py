"""What must never be logged in clear, and `mask(text)`, the one function that hides it:
login tokens, identity proofs and lock states, conversation claims, the last-4-digits slot and
"phone"/"token" fields, customers' names (「山田 太郎様」, ``"name": ...``), phone numbers
(bot.privacy.phones) and the secrets this process holds (the signing secret, the action server's
shared secret, the REST bearer token, the API token). bot.privacy.logs applies it to every log
record; the staff review applies it to the conversations it shows.
"""
from __future__ import annotations

import json
import os
import re

from bot.privacy import phones

MASK = "***"
PHONE_MASK = phones.PHONE_MASK

_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    # conversation claims put in place of login tokens by the channels (bot.identity.claims)
    (re.compile(r"claim1:[^:\s\"']*:[^:\s\"']*:[0-9a-f]{64}"), "<claim ***>"),
    # "name": "山田 太郎" in JSON-ish dumps of accounts
    (re.compile(r"(['\"]name['\"]\s*[:=]\s*['\"])[^'\"]+"), r"\1" + MASK),
    # a customer's name before 様 (the bot's replies: 「山田 太郎様のご契約内容です」); not お客様/皆様
    (re.compile(r"(?<![ぁ-んァ-ヶ一-龥々A-Za-zＡ-Ｚａ-ｚ])(?!お客|皆)[一-龥々ァ-ヶぁ-んA-Za-zＡ-Ｚａ-ｚ]{1,12}[ 　]"
                r"[一-龥々ァ-ヶぁ-んA-Za-zＡ-Ｚａ-ｚ]{1,12}(?=[ 　]?(?:様|さま|さん))"), MASK),
    # a name written without a space before 様/さま/さん/殿 (「山田太郎様」, 「ヤマダタロウ様」); not お客様/皆様
    (re.compile(r"(?<![一-龥々ァ-ヶーA-Za-zＡ-Ｚａ-ｚ])(?!お客|皆)[一-龥々ァ-ヶー]{2,12}(?=[ 　]?(?:様|さま|さん|殿))"), MASK),
    # JWT login tokens (header.payload.signature, base64url)
    (re.compile(r"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"), "<token ***>"),
    # identity proofs and lock states: v1:<...>:<...>:<64 hex>[:scope]
    (re.compile(r"v1:[^:\s\"']*:[^:\s\"']*:[0-9a-f]{64}"), "<signed ***>"),
    # the last-4-digits slot and any "phone"/"token" fields in JSON-ish dumps
    (re.compile(r"(['\"]?(?:verify_phone_last4|phone|token)['\"]?\s*[:=]\s*['\"]?)[^'\",}\s]+"), r"\1" + MASK),
]

_SECRETS: list[str] = []
_EXTRA_SECRETS: list[str] = []
_SECRET_ENV = ("MADOGUCHI_ACTION_SECRET", "MADOGUCHI_REST_TOKEN", "MADOGUCHI_API_TOKEN", "MADOGUCHI_JWT_SECRET")


def add_secret(value: str) -> None:
    """Another secret this process holds (the action server's shared secret, the REST bearer
    token, the API token): never logged either."""
    if isinstance(value, str) and len(value) >= 8 and value not in _EXTRA_SECRETS:
        _EXTRA_SECRETS.append(value)
        if value not in _SECRETS:
            _SECRETS.append(value)


def _signing_secret() -> list[str]:
    """The signing secret (MADOGUCHI_SECRET, else the development key, generated now if missing:
    every server needs it anyway)."""
    try:
        from bot import settings

        value = settings.secret().decode("utf-8", "replace")
    except Exception:  # masking must never fail because the key cannot be read
        return []
    return [value] if len(value) >= 8 else []


def load_secrets() -> None:
    """Read the secrets to mask: the signing secret, those added, those in the environment."""
    from_env = [v for v in (os.environ.get(n, "").strip() for n in _SECRET_ENV) if len(v) >= 8]
    _SECRETS[:] = _signing_secret() + _EXTRA_SECRETS + from_env


_ESCAPED_RUN = re.compile(r"(?:\\u[0-9a-fA-F]{4})+")


def _unescape(match: re.Match[str]) -> str:
    try:
        text = json.loads('"' + match.group(0) + '"')
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    except ValueError:
        return match.group(0)


def mask(text: str) -> str:
    """`text` with everything private masked. Runs of \\uXXXX escapes (reprs and JSON dumps of
    Japanese text) are unescaped first, so that they are masked too."""
    if "\\u" in text:
        text = _ESCAPED_RUN.sub(_unescape, text)
    for value in _SECRETS:
        if value in text:
            text = text.replace(value, "<secret ***>")
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return phones.mask_phones(text)
