"""Masks every log record of the process (bot.privacy.masking.mask) before any handler formats it.

`install()` is called by the Rasa server's channels (bot.channels.guard, at import) and by the
action server (actions/__init__.py, bot.action_server). It puts a MaskingFilter on every handler
that exists and wraps the log record factory, so records of any logger, including ones created
later (sanic, rasa_sdk), are masked.
"""
from __future__ import annotations

import logging
from typing import Any

from bot.privacy import masking


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
    record.msg = masking.mask(message)
    record.args = None
    if record.exc_info and not record.exc_text:
        record.exc_text = masking.mask(logging.Formatter().formatException(record.exc_info))
    elif record.exc_text:
        record.exc_text = masking.mask(record.exc_text)
    record._madoguchi_masked = True
    return record


_installed = False


def install() -> None:
    """Idempotent: every record of this process is masked. Reads the secrets to mask each time."""
    global _installed
    masking.load_secrets()
    if _installed:
        return
    _installed = True
    base_factory = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return masked_record(base_factory(*args, **kwargs))

    logging.setLogRecordFactory(factory)
    masking_filter = MaskingFilter()
    loggers = [logging.getLogger()] + [
        logger for logger in logging.Logger.manager.loggerDict.values() if isinstance(logger, logging.Logger)
    ]
    for logger in loggers:
        for handler in logger.handlers:
            if not any(isinstance(f, MaskingFilter) for f in handler.filters):
                handler.addFilter(masking_filter)
