"""Masks login tokens, identity proofs, phone numbers and verification digits in log records.

`install()` (called when the action server imports `actions`) puts a MaskingFilter on every
handler that exists and wraps the log record factory, so records of any logger, including ones
created later (sanic, rasa_sdk), are masked before they are formatted.
"""
from __future__ import annotations

import logging
import re
import unicodedata
from typing import Any, Callable, Iterator

MASK = "***"
PHONE_MASK = "***-****-****"

_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    # JWT login tokens (header.payload.signature, base64url)
    (re.compile(r"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"), "<token ***>"),
    # identity proofs and lock states: v1:<...>:<...>:<64 hex>[:scope]
    (re.compile(r"v1:[^:\s\"']*:[^:\s\"']*:[0-9a-f]{64}"), "<signed ***>"),
    # the last-4-digits slot and any "phone"/"token" fields in JSON-ish dumps
    (re.compile(r"(['\"]?(?:verify_phone_last4|phone|token)['\"]?\s*[:=]\s*['\"]?)[^'\",}\s]+"), r"\1" + MASK),
]


# ---- phone numbers: one matcher for the logs and for what the channels store --------------------
# libphonenumber (phonenumberslite) finds numbers however they are written: 090-1234-5678,
# +81 90-1234-5678, (090)1234-5678, 090.1234.5678, 090/1234/5678, full-width digits and dashes.
# Its "possible number" leniency also accepts dates and amounts, so a match must look like a
# Japanese number (a leading 0 and 10 or 11 digits) or an international one (+ and 10-15 digits).
_DIGIT_RUN = re.compile(r"[0-9０-９](?:[^0-9０-９]{0,4}[0-9０-９]){9}")


def _phone_candidate(raw: str) -> bool:
    text = unicodedata.normalize("NFKC", raw).strip()
    digits = sum(ch.isdigit() for ch in text)
    if text.startswith("+"):
        return 10 <= digits <= 15
    if text.startswith("(") and text[1:2] == "0" or text.startswith("0"):
        return digits in (10, 11)
    return False


def phone_spans(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of every phone number in `text`."""
    if not isinstance(text, str) or not _DIGIT_RUN.search(text):
        return
    import phonenumbers

    for match in phonenumbers.PhoneNumberMatcher(text, "JP", leniency=phonenumbers.Leniency.POSSIBLE):
        if _phone_candidate(match.raw_string):
            yield match.start, match.end


def replace_phones(text: str, replace: Callable[[str], str]) -> str:
    """`text` with every phone number `n` replaced by `replace(n)`."""
    spans = list(phone_spans(text))
    if not spans:
        return text
    out, last = [], 0
    for start, end in spans:
        out.append(text[last:start])
        out.append(replace(text[start:end]))
        last = end
    out.append(text[last:])
    return "".join(out)


def mask_phones(text: str) -> str:
    """Every phone number -> '***-****-****'."""
    return replace_phones(text, lambda _: PHONE_MASK)


# Further maskers (bot.privacy adds claims, names and the secret): one mechanism, one filter.
_EXTENSIONS: list[Callable[[str], str]] = []


def extend(masker: Callable[[str], str]) -> None:
    """Run `masker` on every text this module masks, before its own patterns."""
    if masker not in _EXTENSIONS:
        _EXTENSIONS.append(masker)


def mask(text: str) -> str:
    for masker in _EXTENSIONS:
        text = masker(text)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return mask_phones(text)


def _mask_arg(value: Any) -> Any:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    return mask(str(value)) if value is not None else value


class MaskingFilter(logging.Filter):
    """Rewrites the record's message (with its arguments merged in) through `mask`."""

    def filter(self, record: logging.LogRecord) -> bool:
        masked_record(record)
        return True


def masked_record(record: logging.LogRecord) -> logging.LogRecord:
    if getattr(record, "_madoguchi_masked", False):
        return record
    try:
        message = record.getMessage()
    except Exception:  # a broken format string: keep what we can
        message = str(record.msg)
    record.msg = mask(message)
    record.args = None
    if record.exc_info and not record.exc_text:
        record.exc_text = mask(logging.Formatter().formatException(record.exc_info))
    elif record.exc_text:
        record.exc_text = mask(record.exc_text)
    record._madoguchi_masked = True
    return record


_installed = False


def install() -> None:
    """Idempotent: mask every record of this process."""
    global _installed
    if _installed:
        return
    _installed = True
    base_factory = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return masked_record(base_factory(*args, **kwargs))

    logging.setLogRecordFactory(factory)
    masking = MaskingFilter()
    loggers = [logging.getLogger()] + [
        logger for logger in logging.Logger.manager.loggerDict.values() if isinstance(logger, logging.Logger)
    ]
    for logger in loggers:
        for handler in logger.handlers:
            if not any(isinstance(f, MaskingFilter) for f in handler.filters):
                handler.addFilter(masking)
