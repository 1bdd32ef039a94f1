"""bot.privacy.masking and bot.privacy.logs: what never reaches a log in clear."""
from __future__ import annotations

import io
import logging

from bot.identity.proofs import issue_proof
from bot.privacy import logs, masking

KEY = b"unit-test-secret-0123456789-0123456789"
T = 1_795_000_000.0


def test_mask_text():
    from bot.identity import tokens

    token = tokens.issue("A1001", secret=KEY)
    proof = issue_proof("A1001", "c", T, secret=KEY)
    text = f"token={token} proof={proof} tel 090-1234-5678 / ０３－１２３４－５６７８ 'verify_phone_last4': '5678'"
    masked = masking.mask(text)
    for secret_part in (token, proof, "090-1234-5678", "１２３４－５６７８", "5678"):
        assert secret_part not in masked
    assert masking.mask("2026-11-20 RS-0001 550円") == "2026-11-20 RS-0001 550円"


def test_filter_masks_records_on_a_handler():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(logs.MaskingFilter())
    logger = logging.getLogger("madoguchi.test.logmask")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("phone %s", "080-0000-1002")
    finally:
        logger.removeHandler(handler)
    assert "080-0000-1002" not in stream.getvalue() and "***-****-****" in stream.getvalue()
