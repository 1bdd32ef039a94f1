"""Privacy: what must never be kept or logged in clear (login tokens, phone numbers, names, the secret).

* ``install_log_masking()`` masks every log record of the process (installed in the Rasa server by
  ``bot.channels.guard`` at import and in the action server by ``actions/__init__.py``). It builds on
  ``bot.logmask`` (tokens, identity proofs, phone numbers, the last-4-digits slot) and adds the
  conversation claims the channels put in place of login tokens, customers' names (「山田 太郎様」,
  ``"name": ...``) and the signing secret itself.
* ``redact_phone_numbers(text)`` is applied by the channels to what the customer types (and to the
  ``display`` metadata) before it reaches Rasa (and so the tracker store): a full phone number keeps
  only its last 4 digits, which is all in-chat verification needs. Phone numbers are found by one
  matcher (``bot.logmask.phone_spans``, libphonenumber) for the logs and the tracker store.
* The action server's shared secret, the REST bearer token and the API token (from the
  environment, or ``add_secret``) are masked like the signing secret.
"""
from __future__ import annotations

import json
import re

from bot import logmask

MASK = "***"

_EXTRA_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    # conversation claims put in place of login tokens by the channels (bot.identity.issue_claim)
    (re.compile(r"claim1:[^:\s\"']*:[^:\s\"']*:[0-9a-f]{64}"), "<claim ***>"),
    # "name": "山田 太郎" in JSON-ish dumps of accounts
    (re.compile(r"(['\"]name['\"]\s*[:=]\s*['\"])[^'\"]+"), r"\1" + MASK),
    # a customer's name before 様 (the bot's replies: 「山田 太郎様のご契約内容です」); not お客様/皆様
    (re.compile(r"(?<![ぁ-んァ-ヶ一-龥々A-Za-zＡ-Ｚａ-ｚ])(?!お客|皆)[一-龥々ァ-ヶぁ-んA-Za-zＡ-Ｚａ-ｚ]{1,12}[ 　]"
                r"[一-龥々ァ-ヶぁ-んA-Za-zＡ-Ｚａ-ｚ]{1,12}(?=[ 　]?(?:様|さま|さん))"), MASK),
    # a name written without a space before 様/さま/さん/殿 (「山田太郎様」, 「ヤマダタロウ様」); not お客様/皆様
    (re.compile(r"(?<![一-龥々ァ-ヶーA-Za-zＡ-Ｚａ-ｚ])(?!お客|皆)[一-龥々ァ-ヶー]{2,12}(?=[ 　]?(?:様|さま|さん|殿))"), MASK),
]


def redact_phone_numbers(text: str) -> str:
    """Full phone numbers in a customer's message -> '***-****-5678' (the last 4 digits stay, as
    typed). The same matcher as the logs (bot.logmask.phone_spans): +81, parentheses, dots,
    slashes, spaces, full-width digits."""
    if not isinstance(text, str) or not text:
        return text

    def keep_last4(number: str) -> str:
        digits = [ch for ch in number if ch.isdigit()]
        return "***-****-" + "".join(digits[-4:])

    return logmask.replace_phones(text, keep_last4)


def _secret_values() -> list[str]:
    """The signing secret (MADOGUCHI_SECRET, else the development key, generated now if missing:
    every server needs it anyway), so that it can never be logged."""
    try:
        from bot import settings

        value = settings.secret().decode("utf-8", "replace")
    except Exception:  # masking must never fail because the key cannot be read
        return []
    return [value] if len(value) >= 8 else []


_SECRETS: list[str] = []
_EXTRA_SECRETS: list[str] = []


def add_secret(value: str) -> None:
    """Another secret this process holds (the action server's shared secret, the REST bearer
    token, the API token): never logged either."""
    if isinstance(value, str) and len(value) >= 8 and value not in _EXTRA_SECRETS:
        _EXTRA_SECRETS.append(value)
        if value not in _SECRETS:
            _SECRETS.append(value)


_ESCAPED_RUN = re.compile(r"(?:\\u[0-9a-fA-F]{4})+")


def _unescape(match: re.Match[str]) -> str:
    try:
        text = json.loads('"' + match.group(0) + '"')
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    except ValueError:
        return match.group(0)


def _environment_secrets() -> list[str]:
    import os

    names = ("MADOGUCHI_ACTION_SECRET", "MADOGUCHI_REST_TOKEN", "MADOGUCHI_API_TOKEN", "MADOGUCHI_JWT_SECRET")
    return [v for v in (os.environ.get(n, "").strip() for n in names) if len(v) >= 8]


def _mask_private(text: str) -> str:
    """Claims, names and the signing secret. Runs of \\uXXXX escapes (reprs and JSON dumps of
    Japanese text) are unescaped first, so that they are masked too."""
    if "\\u" in text:
        text = _ESCAPED_RUN.sub(_unescape, text)
    for value in _SECRETS:
        if value in text:
            text = text.replace(value, "<secret ***>")
    for pattern, replacement in _EXTRA_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def mask(text: str) -> str:
    """Everything bot.logmask masks, plus claims, names and the signing secret."""
    logmask.extend(_mask_private)
    return logmask.mask(text)


def install_log_masking() -> None:
    """Idempotent: every log record of this process is masked before any handler formats it."""
    _SECRETS[:] = _secret_values() + _EXTRA_SECRETS + _environment_secrets()
    logmask.extend(_mask_private)
    logmask.install()
