"""How `make eval` and the CV calibration score what the customer gets in the chat (bot/devtools/chat_eval.py),
and the README table / HTML report it writes (bot/devtools/eval_report.py)."""
import json

from bot.devtools import chat_eval, eval_report
from bot.devtools.chat_eval import Outcome, credit, outcome_of


def test_direct_answers_count_one_lists_with_the_answer_half_and_wrong_direct_answers_are_confident_wrong():
    scores = chat_eval.ChatScores()
    scores.add("faq/rs_monthly_fee", Outcome("direct", "faq/rs_monthly_fee"))
    scores.add("faq/rs_monthly_fee", Outcome("list", offered=("faq/rs_billing_start", "faq/rs_monthly_fee")))
    scores.add("faq/rs_monthly_fee", Outcome("direct", "faq/hx_support_fee"))
    scores.add("faq/rs_monthly_fee", Outcome("list", offered=("faq/rs_billing_start",)))
    report = scores.report()
    assert report["chat_accuracy"] == 1.5 / 4
    assert report["direct_rate"] == 0.5 and report["confident_wrong_rate"] == 0.25
    assert report["worst_confident_wrong"] == [{"expected": "faq/rs_monthly_fee", "answered": "faq/hx_support_fee", "count": 1}]


def test_an_faq_topic_and_the_account_question_computing_it_are_the_same_reply():
    assert credit("account_cw_renewal_fee", Outcome("direct", "faq/cw_renewal_fee")) == 1.0
    assert credit("faq/cw_renewal_fee", Outcome("direct", "account_cw_renewal_fee")) == 1.0
    assert credit("faq/cw_renewal_fee", Outcome("direct", "account_cw_incidents")) == 0.0


def test_a_service_dependent_question_offers_only_the_services_that_answer_it():
    outcome = outcome_of("generic_question", ["faq/hx_support_hours"], "営業時間は？", [])
    assert outcome.kind == "ask" and outcome.offered == ("faq/rs_business_hours", "faq/hx_support_hours")
    assert credit("faq/hx_support_hours", outcome) == 0.5
    assert credit("generic_question", outcome) == 1.0
    answered = outcome_of("generic_question", ["faq/hx_support_hours"], "営業時間は？", ["remote_support"])
    assert answered == Outcome("direct", "faq/rs_business_hours", generic=True)


def test_the_fallback_lists_three_topics_and_a_likely_account_question_first():
    outcome = outcome_of("nlu_fallback", ["faq/a", "faq/b", "faq/c", "faq/d"], "x", [], ["account_hx_handson_free", "faq"])
    assert outcome.offered == ("account_hx_handson_free", "faq/a", "faq/b")


def test_the_report_writes_the_readme_table_between_its_markers_and_an_html_page(tmp_path, monkeypatch):
    result = {
        "madoguchi": {"accuracy": 0.95, "total": 2, "confusions": [{"expected": "greet", "predicted": "thank", "count": 1}],
                      "by_service": {"general": {"accuracy": 0.5, "total": 2, "correct": 1}},
                      "chat": {"chat_accuracy": 0.75, "direct_rate": 0.5, "confident_wrong_rate": 0.5,
                               "worst_confident_wrong": [{"expected": "greet", "answered": "thank", "count": 1}]},
                      "messages": [{"expected": "greet", "predicted": "thank", "confidence": 0.7, "outcome": "direct", "credit": 0},
                                   {"expected": "thank", "predicted": "thank", "confidence": 0.9, "outcome": "direct", "credit": 1}]},
        "baseline": {"accuracy": 0.5, "by_service": {"general": {"accuracy": 0.5, "total": 2, "correct": 1}}},
    }
    monkeypatch.setattr(eval_report, "RESULTS", tmp_path)
    (tmp_path / "eval-nlu_blind.json").write_text(json.dumps(result), encoding="utf-8")
    readme = tmp_path / "README.md"
    readme.write_text(f"before\n{eval_report.BEGIN}\nold\n{eval_report.END}\nafter\n", encoding="utf-8")
    results = eval_report._load()
    assert eval_report.update_readme(results, readme)
    text = readme.read_text(encoding="utf-8")
    assert "old" not in text and text.startswith("before") and text.endswith("after\n")
    assert "| `tests/nlu_blind` | 2 | **95.0 %** | 75.0 % | 50.0 % | 50.0 % | 50.0 % | missing (not run) | greet → thank ×1 |" in text
    eval_report.write_html(results, tmp_path / "eval.html")
    page = (tmp_path / "eval.html").read_text(encoding="utf-8")
    assert "tests/nlu_blind" in page and "greet" in page
