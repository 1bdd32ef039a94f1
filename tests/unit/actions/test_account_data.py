"""The account questions are wired end to end: intent with enough examples, rule, domain action;
identity slots can only be set by the action server."""
from __future__ import annotations

from pathlib import Path

import yaml

from bot.answers import FAQ_TOPICS, QUESTIONS
from bot.faq import catalog

ROOT = Path(__file__).resolve().parents[3]


def _yaml(path):
    return yaml.safe_load((ROOT / path).read_text(encoding="utf-8"))


def test_identity_slots_have_custom_mappings_only():
    slots = _yaml("domain.yml")["slots"]
    for name in ("identity_proof", "identity_lock", "pending_question", "verification_offered"):
        assert [m["type"] for m in slots[name]["mappings"]] == ["custom"], name


def test_verification_form_slots_are_filled_from_text_only_while_asked():
    domain = _yaml("domain.yml")
    assert domain["forms"]["verify_identity_form"]["required_slots"] == ["verify_contract_no", "verify_phone_last4"]
    for name in ("verify_contract_no", "verify_phone_last4"):
        (mapping,) = domain["slots"][name]["mappings"]
        assert mapping["type"] == "from_text"
        assert mapping["conditions"] == [{"active_loop": "verify_identity_form", "requested_slot": name}]


def test_every_question_is_reachable_by_its_own_intent_or_an_faq_topic():
    """An `account_<key>` intent with examples, its rule and action; or FAQ topics routed to it."""
    domain = _yaml("domain.yml")
    nlu = {item["intent"]: item["examples"] for item in _yaml("data/nlu/account.yml")["nlu"]}
    rules = _yaml("rules/account.yml")["rules"]
    ruled = {(r["steps"][0].get("intent"), r["steps"][1].get("action")) for r in rules if len(r["steps"]) >= 2}
    assert ("account_topic", "action_answer_account_topic") in ruled
    assert "account_topic" in domain["intents"] and "action_answer_account_topic" in domain["actions"]
    assert len(QUESTIONS) >= 30
    for key, question in QUESTIONS.items():
        intent, action = f"account_{key}", f"action_account_{key}"
        if intent in nlu:
            assert intent in domain["intents"] and action in domain["actions"]
            examples = [line for line in nlu[intent].splitlines() if line.strip().startswith("- ")]
            assert len(examples) >= 12, intent
            assert (intent, action) in ruled
        else:
            assert question.faq, f"{key}: neither an intent nor an FAQ topic reaches it"
        for faq in question.faq:
            assert catalog.entry(faq) is not None, (key, faq)
            assert FAQ_TOPICS[faq] == key, f"FAQ topic {faq} is claimed by two questions"


def test_account_examples_are_not_also_faq_examples():
    account = set()
    for item in _yaml("data/nlu/account.yml")["nlu"]:
        account |= {line.strip()[2:] for line in item["examples"].splitlines() if line.strip().startswith("- ")}
    for path in (ROOT / "data" / "nlu").glob("*.yml"):
        if path.name == "account.yml":
            continue
        for item in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            if "examples" not in item:
                continue
            others = {line.strip()[2:] for line in item["examples"].splitlines() if line.strip().startswith("- ")}
            assert not (account & others), (path.name, item.get("intent"), account & others)
