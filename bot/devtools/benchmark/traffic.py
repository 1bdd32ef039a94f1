"""Realistic customer traffic built from the held-out NLU texts (tests/nlu_heldout, never training data).

Categories: FAQ questions, account-specific questions sent with a login token of a demo account,
small talk, out-of-scope. Every simulated customer gets its own deterministic script.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

import yaml

from bot import settings

HELDOUT_DIR = settings.PROJECT_ROOT / "tests" / "nlu_heldout"
DEMO_ACCOUNTS = settings.PROJECT_ROOT / "fixtures" / "demo_accounts.yml"

SMALL_TALK = {"greet", "goodbye", "thank", "affirm", "deny"}
# Share of each category in a customer's messages.
MIX = {"faq": 0.45, "account": 0.25, "small_talk": 0.20, "out_of_scope": 0.10}


@dataclass(frozen=True)
class Message:
    category: str
    text: str
    token: Optional[str] = None

    def body(self, sender: str) -> dict:
        body = {"sender": sender, "message": self.text}
        if self.token:
            body["metadata"] = {"token": self.token}
        return body


@dataclass
class Corpus:
    texts: Dict[str, List[str]] = field(default_factory=dict)

    def counts(self) -> Dict[str, int]:
        return {k: len(v) for k, v in self.texts.items()}


def category_of(intent: str) -> Optional[str]:
    if intent.startswith("faq/") or intent == "generic_question":
        return "faq"
    if intent.startswith("account_"):
        return "account"
    if intent in SMALL_TALK:
        return "small_talk"
    if intent == "out_of_scope":
        return "out_of_scope"
    return None  # human_handoff etc.: not part of the load mix


def load_corpus(directory: Path = HELDOUT_DIR) -> Corpus:
    corpus = Corpus({k: [] for k in MIX})
    for path in sorted(directory.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in data.get("nlu") or []:
            category = category_of(str(item.get("intent", "")))
            if category is None:
                continue
            for line in str(item.get("examples", "")).splitlines():
                line = line.strip()
                if line.startswith("- "):
                    corpus.texts[category].append(line[2:].strip())
    missing = [k for k, v in corpus.texts.items() if not v]
    if missing:
        raise RuntimeError(f"no held-out texts for {missing} in {directory}")
    return corpus


def demo_account_ids(path: Path = DEMO_ACCOUNTS) -> List[str]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return [str(a["id"]) for a in data.get("accounts") or []]


def customer_script(corpus: Corpus, customer: int, length: int, tokens: Dict[str, str],
                    seed: int = 7) -> List[Message]:
    """`length` messages for one customer: opens with small talk, then the weighted mix.

    About half of the customers are logged in (their account questions carry a token); the others
    ask account questions anonymously, as real customers do, and get the general rule.
    """
    rng = random.Random(seed * 100_003 + customer)
    account_ids = sorted(tokens)
    token = tokens[account_ids[customer % len(account_ids)]] if account_ids and customer % 2 == 0 else None
    categories = list(MIX)
    weights = [MIX[c] for c in categories]
    script: List[Message] = [Message("small_talk", rng.choice(corpus.texts["small_talk"]), token)]
    while len(script) < length:
        category = rng.choices(categories, weights)[0]
        script.append(Message(category, rng.choice(corpus.texts[category]), token))
    return script[:length]
