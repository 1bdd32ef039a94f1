"""Property: whatever is posted to /webhooks/rest/webhook of a real Rasa server (the trained model
and an action server), the answer is a 200 with a non-empty list of messages or a 4xx with a JSON
error, never a 5xx, and it comes within 1 second."""
from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.support.live_bot import post

pytestmark = pytest.mark.slow

RESPONSE_BUDGET_SECONDS = 1.0

CONTROLS = [chr(c) for c in range(0x00, 0x20)] + ["\x7f", "\x85"]
BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069",
        "\u200e", "\u200f", "\u061c", "\ufeff", "\u200b", "\u200d"]
SURROGATES = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)
JAPANESE = ["リモートサポートの月額料金は？", "解約したい", "オペレーターと話したい", "契約内容を教えて",
            "090-1234-5678", "RS-0001", "１２３４", "/request_verification", '/choose_service{"service":"haas"}',
            "/account_contract_summary", '/inform_verification{"verify_phone_last4":"1001"}',
            "{{7*7}}", "'; DROP TABLE events; --", "😀", "👨‍👩‍👧"]

characters = st.one_of(
    st.characters(),                         # any code point except surrogates
    SURROGATES,                              # lone surrogates (sent as \udXXX escapes)
    st.sampled_from(CONTROLS + BIDI),
)
junk_text = st.one_of(
    st.text(characters, max_size=60),
    st.builds(lambda a, b, c: a + b + c, st.text(characters, max_size=10), st.sampled_from(JAPANESE),
              st.text(characters, max_size=10)),
    st.builds(lambda s, n: s * n, st.text(characters, min_size=1, max_size=5), st.integers(200, 6000)),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(characters, max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(characters, max_size=8), inner, max_size=4),
    max_leaves=12,
)
senders = st.one_of(
    st.sampled_from(["fuzz-a", "fuzz-b", "fuzz-c"]),
    st.text(characters, max_size=140),
    json_values,
)
metadata = st.one_of(
    st.just(None),
    json_values,
    st.fixed_dictionaries({"token": st.one_of(json_values, st.just("eyJhbGciOiJIUzI1NiJ9.e30.xx"))}),
)


VALID_SENDERS = st.one_of(st.sampled_from(["fuzz-a", "fuzz-b", "fuzz-c"]),
                          st.from_regex(r"\Afuzz-[A-Za-z0-9_.@:-]{1,40}\Z"))


@st.composite
def request_bodies(draw) -> bytes:
    """Mostly well-formed requests with junk text (they reach NLU and the dialogue), then
    arbitrary objects, JSON values and bytes."""
    kind = draw(st.sampled_from(["text"] * 6 + ["object"] * 2 + ["value", "bytes"]))
    if kind == "bytes":
        return draw(st.binary(max_size=200))
    if kind == "value":
        return json.dumps(draw(json_values)).encode()
    body: dict[str, Any] = {}
    if kind == "text":
        body = {"sender": draw(VALID_SENDERS), "message": draw(junk_text)}
        if draw(st.booleans()):
            body["metadata"] = draw(st.one_of(st.just({}), metadata))
    else:
        if draw(st.booleans()) or draw(st.booleans()):
            body["sender"] = draw(senders)
        body["message"] = draw(st.one_of(junk_text, json_values))
        if draw(st.booleans()):
            body["metadata"] = draw(metadata)
        if draw(st.booleans()):
            body[draw(st.text(characters, max_size=8))] = draw(json_values)
    return json.dumps(body).encode("utf-8")   # ensure_ascii: surrogates as escapes


@settings(max_examples=60, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large, HealthCheck.large_base_example])
@given(body=request_bodies())
def test_junk_gets_an_answer_or_a_clear_error_within_a_second(live, body):
    status, answer, elapsed = post(live.webhook, body, timeout=30)
    event(f"status {status}")
    assert status < 500, (status, answer, body[:300])
    assert elapsed < RESPONSE_BUDGET_SECONDS, (elapsed, body[:300])
    if status == 200:
        assert isinstance(answer, list) and answer, (answer, body[:300])
        for message in answer:
            assert isinstance(message, dict) and (message.get("text") or message.get("buttons")), answer
    else:
        assert 400 <= status < 500, status
        assert isinstance(answer, dict) and isinstance(answer.get("error"), str), (answer, body[:300])
