"""The question registry: each question declares what it answers, and the registry holds together."""
from __future__ import annotations

import pytest

from bot import answers
from bot.answers import pending
from bot.answers.labels import ALL_CONTRACT_TYPES
from bot.engine.rental import Anshin, Payment
from bot.faq import catalog
from bot.nlu.params import CountMention, DateMention, Params


def test_every_service_has_questions_and_each_declares_its_contracts():
    assert {q.service for q in answers.QUESTIONS.values() if q.service} == \
        {t.service for t in ALL_CONTRACT_TYPES}
    for q in answers.QUESTIONS.values():
        for kind in q.contract_types:
            assert kind in ALL_CONTRACT_TYPES
            assert q.service is None or kind.service == q.service, q.key


def test_each_faq_topic_is_computed_by_one_question_and_exists():
    seen = {}
    for q in answers.QUESTIONS.values():
        for faq in q.faq:
            assert faq not in seen, (faq, seen.get(faq), q.key)
            seen[faq] = q.key
            assert catalog.entry(faq) is not None, faq
    assert answers.FAQ_TOPICS == seen


@pytest.mark.parametrize("key", sorted(answers.QUESTIONS))
def test_every_question_has_a_title_and_a_general_rule(key):
    q = answers.QUESTIONS[key]
    assert q.title and len(q.general_text(None)) > 20


def test_one_wording_per_rule():
    texts = [q.general_text(None) for q in answers.QUESTIONS.values()]
    assert not any("都度お見積り" in t or "都度ご相談" in t.replace("その都度のご相談", "") for t in texts)


def test_pending_round_trip_and_anything_else_is_ignored():
    params = Params(count=CountMention(n=5, total=True), on=DateMention(text="2月3日", value=__import__("datetime").date(2027, 2, 3)),
                    anshin_to=Anshin.STANDARD, payment_from=Payment.CARD, purpose="event")
    key, back = pending.decode(pending.encode("cw_add_licenses", params), answers.QUESTIONS)
    assert key == "cw_add_licenses" and back == params
    for junk in (None, 3, "", "no_such_question|{}", "rt_cancel_end|{not json", 'rt_cancel_end|{"n": 10000}',
                 'rt_cancel_end|{"on": {"value": "2027-02-30"}}', 'rt_cancel_end|{"purpose": "<script>"}'):
        key, back = pending.decode(junk, answers.QUESTIONS)
        assert back.count is None and back.purpose is None and (back.on is None or back.on.value is None)


def test_the_readme_lists_every_question_with_an_example():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text(encoding="utf-8")
    for key in answers.QUESTIONS:
        row = next((line for line in readme.splitlines() if f"(`{key}`" in line), None)
        assert row is not None and "「" in row, f"README: no example for {key}"
