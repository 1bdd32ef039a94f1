"""Masks login tokens, identity proofs, phone numbers and verification digits in log records.

`install()` (called when the action server imports `actions`) puts a MaskingFilter on every
handler that exists and wraps the log record factory, so records of any logger, including ones
created later (sanic, rasa_sdk), are masked before they are formatted.
"""
from __future__ import annotations

import logging
import re
from typing import Any, Callable

MASK = "***"

_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    # JWT login tokens (header.payload.signature, base64url)
    (re.compile(r"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"), "<token ***>"),
    # identity proofs and lock states: v1:<...>:<...>:<64 hex>
    (re.compile(r"v1:[^:\s\"']*:[^:\s\"']*:[0-9a-f]{64}"), "<signed ***>"),
    # the last-4-digits slot and any "phone"/"token" fields in JSON-ish dumps
    (re.compile(r"(['\"]?(?:verify_phone_last4|phone|token)['\"]?\s*[:=]\s*['\"]?)[^'\",}\s]+"), r"\1" + MASK),
    # phone numbers: 0X0-XXXX-XXXX, 03-XXXX-XXXX, 050-..., full-width too; or 10-11 digits from 0
    (re.compile(r"(?<![0-9０-９])[0０][0-9０-９]{1,4}[-‐－ー−][0-9０-９]{1,4}[-‐－ー−][0-9０-９]{4}(?![0-9０-９])"),
     "***-****-****"),
    (re.compile(r"(?<![0-9０-９])[0０][0-9０-９]{9,10}(?![0-9０-９])"), "***-****-****"),
]


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
    return text


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
