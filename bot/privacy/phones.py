"""Phone numbers: the one matcher and the one "last 4 digits" rule.

Used by log masking (bot.privacy.masking), by the channels before a message reaches Rasa (`redact`:
a full number keeps only its last 4 digits, which is all in-chat verification needs), by the
account answers (`mask_phone`), by in-chat verification (`digits`, `last4`: the registered phone's
last 4 digits against the 4 the customer typed) and by the fixture validation (`digits`).

libphonenumber (phonenumberslite) finds numbers however they are written: 090-1234-5678,
+81 90-1234-5678, (090)1234-5678, 090.1234.5678, 090/1234/5678, full-width digits and dashes.
Its "possible number" leniency also accepts dates and amounts, so a match must look like a
Japanese number (a leading 0 and 10 or 11 digits) or an international one (+ and 10-15 digits).
"""
from __future__ import annotations

import re
from typing import Callable, Iterator, Optional

from bot.nlu.normalize import normalize

MASK_PREFIX = "***-****-"
PHONE_MASK = MASK_PREFIX + "****"

# cheap pre-check before libphonenumber: 10 digits with at most 4 other characters between them
_DIGIT_RUN = re.compile(r"[0-9０-９](?:[^0-9０-９]{0,4}[0-9０-９]){9}")


def digits(text: str) -> str:
    """NFKC-normalised ASCII digits only: '０９０-１２３４-５６７８' -> '09012345678'."""
    return "".join(ch for ch in normalize(text or "") if ch.isdigit() and ch.isascii())


def last4(text: str) -> Optional[str]:
    """The last 4 digits of a phone number (NFKC), None when it has fewer."""
    found = digits(text)
    return found[-4:] if len(found) >= 4 else None


def mask_phone(phone: str) -> str:
    """'090-1234-5678' -> '***-****-5678' (only the last 4 digits are ever shown)."""
    found = last4(phone)
    return MASK_PREFIX + found if found else PHONE_MASK


def _phone_candidate(raw: str) -> bool:
    text = normalize(raw).strip()
    count = sum(ch.isdigit() for ch in text)
    if text.startswith("+"):
        return 10 <= count <= 15
    if text.startswith("(") and text[1:2] == "0" or text.startswith("0"):
        return count in (10, 11)
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
    """Every phone number -> '***-****-****' (logs)."""
    return replace_phones(text, lambda _: PHONE_MASK)


def redact(text: str) -> str:
    """Full phone numbers in a customer's message -> '***-****-5678' (the last 4 digits stay, as
    typed: '０９０１２３４５６７８' -> '***-****-５６７８')."""
    if not isinstance(text, str) or not text:
        return text

    def keep_last4(number: str) -> str:
        return MASK_PREFIX + "".join([ch for ch in number if ch.isdigit()][-4:])

    return replace_phones(text, keep_last4)
