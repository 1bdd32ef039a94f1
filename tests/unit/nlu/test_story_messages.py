"""The customer messages of the conversation tests get the intent (and FAQ answer, and service) their
story gives them, from the real model. `rasa test core` (make story-test) takes a story's intent labels
as given and checks only the actions that follow, so without this a story could name an intent the bot
never predicts for that message and still pass.

`faq/<key>` is the intent `faq` with that answer (then `utter_faq` follows); a topic with a per-customer
rule is `account_topic` in the chat (bot.nlu.account_topics), so its stories must say so (then
`action_answer_account_topic` follows; tests/integration/test_account_conversations.py plays it end to
end). A message that
answers a form's question (the story set `requested_slot` before it) is not checked: the form takes the
text whatever its intent (domain.yml from_text mappings; tests/integration/security/test_bruteforce.py
sends such digits to a live server)."""
from __future__ import annotations

from typing import Any, Dict, Iterator, List, Tuple

import pytest
import yaml

from bot.faq.catalog import selected_key
from bot.settings import PROJECT_ROOT

STORY_FILES = sorted(PROJECT_ROOT.glob("tests/test_stories*.yml"))


def _user_steps() -> Iterator[Tuple[str, str, str, List[str]]]:
    """(story, text, intent, services) of every typed user message (buttons' /payloads are not typed)."""
    for path in STORY_FILES:
        for story in yaml.safe_load(path.read_text(encoding="utf-8"))["stories"]:
            asked = None  # the slot a form has just asked for
            for step in story["steps"]:
                for slots in step.get("slot_was_set") or []:
                    if isinstance(slots, dict) and "requested_slot" in slots:
                        asked = slots["requested_slot"]
                text = str(step.get("user") or "").strip()
                if not text or text.startswith("/") or asked:
                    continue
                services = [e["service"] for e in step.get("entities") or [] if isinstance(e, dict) and "service" in e]
                yield story["story"], text, step["intent"], services


STEPS = list(_user_steps())


def _label(parsed: Dict[str, Any]) -> str:
    name = parsed["intent"]["name"]
    return f"faq/{selected_key(parsed.get('response_selector'))}" if name == "faq" else name


def test_the_conversation_tests_have_typed_messages_to_check():
    assert len(STEPS) >= 50 and {"tests/test_stories.yml", "tests/test_stories_account.yml"} <= {
        str(p.relative_to(PROJECT_ROOT)) for p in STORY_FILES}


@pytest.mark.parametrize("story, text, intent, services", STEPS, ids=[f"{s[0]}: {s[1]}" for s in STEPS])
def test_a_story_message_gets_the_intent_its_story_gives_it(parse, story, text, intent, services):
    parsed = parse(text)
    assert _label(parsed) == intent, f"{story}: {text!r} is {parsed['intent']['name']}"
    found = {e["value"] for e in parsed.get("entities") or [] if e.get("entity") == "service"}
    assert set(services) <= found, f"{story}: {text!r} services {found}"
