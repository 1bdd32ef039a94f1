"""What a customer gets in the chat for one message, and how that is scored (`make eval`, CV calibration).

The NLU's view of a message (intent after the FallbackClassifier, FAQ ranking, service entities) is
turned into what the dialogue does with it, without any conversation before it:
- "direct": an answer (an FAQ, or the intent's reply);
- "list": the two-stage fallback's three FAQ topics as buttons;
- "ask": a service-dependent question (generic_question): the services that answer the topic as
  buttons (bot.support.topics.resolve), or a request to say what it is about.
Scoring ("answered right in the chat"): a right direct answer counts 1, a list or a choice of services
that contains the right answer ½ (the customer has to pick it), anything else 0. A direct answer that is
wrong is a *confident wrong* answer: the customer has no reason to doubt it.
"""
from __future__ import annotations

import collections
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

GENERIC = "generic_question"
FALLBACK = "nlu_fallback"
LIST_LENGTH = 3  # actions.general.FALLBACK_TOPICS


@dataclass(frozen=True)
class Outcome:
    kind: str  # direct | list | ask
    answer: Optional[str] = None  # label answered directly: "faq/<key>" or an intent
    offered: Tuple[str, ...] = ()  # labels offered as buttons
    generic: bool = False  # reached through the service-dependent path (generic_question)


def outcome_of(intent: str, faq_ranking: Sequence[str], text: str, services: Sequence[str],
               intent_ranking: Sequence[str] = ()) -> Outcome:
    """intent: the dialogue's intent (after the FallbackClassifier); faq_ranking: FAQ labels best first."""
    from bot.support import topics

    if intent == FALLBACK:
        offered = [label for label in faq_ranking[:LIST_LENGTH]]
        account = next((n for n in list(intent_ranking)[:3] if n.startswith("account_") and n != "account_topic"), None)
        if account:  # actions.general.ActionOfferFaqTopics puts a likely account question first
            offered = [account] + offered[: LIST_LENGTH - 1]
        return Outcome("list", offered=tuple(offered))
    if intent == GENERIC:
        key = faq_ranking[0].removeprefix("faq/") if faq_ranking else None
        resolution = topics.resolve(text, key, services)
        if resolution.kind == "answer":
            return Outcome("direct", f"faq/{resolution.key}", generic=True)
        if resolution.kind == "ask_service":
            return Outcome("ask", offered=tuple(f"faq/{resolution.topic.answers[s]}" for s in resolution.services),
                           generic=True)
        return Outcome("ask", generic=True)
    if intent in ("faq", "account_topic"):
        return Outcome("direct", faq_ranking[0] if faq_ranking else "faq")
    return Outcome("direct", intent)


def same_answer(gold: str, answer: Optional[str]) -> bool:
    """The same reply: equal labels, or an FAQ topic with a per-customer rule and the account question
    that computes it (faq/cw_renewal_fee ≡ account_cw_renewal_fee: both reach actions/account.py)."""
    if answer is None:
        return False
    if gold == answer:
        return True
    from bot.answers import FAQ_TOPICS

    pair = {gold, answer}
    faq = next((x[4:] for x in pair if x.startswith("faq/")), None)
    account = next((x[8:] for x in pair if x.startswith("account_")), None)
    return bool(faq and account and FAQ_TOPICS.get(faq) == account)


def credit(gold: str, outcome: Outcome) -> float:
    if gold == GENERIC and outcome.generic:
        return 1.0  # a service-less question handled as one (answered for the named service, or asked)
    if outcome.kind == "direct":
        return float(same_answer(gold, outcome.answer))
    return 0.5 if any(same_answer(gold, o) for o in outcome.offered) else 0.0


@dataclass
class ChatScores:
    total: int = 0
    score: float = 0.0
    direct: int = 0
    direct_wrong: int = 0
    lists: int = 0
    lists_with_answer: int = 0
    wrong: collections.Counter = field(default_factory=collections.Counter)

    def add(self, gold: str, outcome: Outcome) -> None:
        value = credit(gold, outcome)
        self.total += 1
        self.score += value
        if outcome.kind == "direct" and not (gold == GENERIC and outcome.generic):
            self.direct += 1
            if value == 0:
                self.direct_wrong += 1
                self.wrong[(gold, outcome.answer)] += 1
        elif outcome.kind != "direct":
            self.lists += 1
            self.lists_with_answer += value > 0
        else:
            self.direct += 1

    def report(self, worst: int = 10) -> Dict[str, Any]:
        n = max(1, self.total)
        return {
            "chat_accuracy": self.score / n,
            "direct_rate": self.direct / n,
            "confident_wrong_rate": self.direct_wrong / n,
            "list_rate": self.lists / n,
            "lists_with_answer": self.lists_with_answer / max(1, self.lists),
            "worst_confident_wrong": [{"expected": g, "answered": p, "count": c} for (g, p), c in self.wrong.most_common(worst)],
        }


def chat_outcome(parsed: Dict[str, Any]) -> Outcome:
    """The outcome for a parse result of the trained model (Agent.parse_message)."""
    intent = (parsed.get("intent") or {}).get("name") or ""
    faq = ((parsed.get("response_selector") or {}).get("faq") or {}).get("ranking") or []
    services = [e.get("value") for e in parsed.get("entities") or [] if e.get("entity") == "service"]
    ranking = [r.get("name", "") for r in parsed.get("intent_ranking") or [] if r.get("name") != FALLBACK]
    return outcome_of(intent, [r["intent_response_key"] for r in faq], parsed.get("text") or "", services, ranking)


def score_outcomes(gold: Sequence[str], outcomes: Sequence[Outcome]) -> Dict[str, Any]:
    scores = ChatScores()
    for g, o in zip(gold, outcomes):
        scores.add(g, o)
    return scores.report()


def message_records(gold: Sequence[str], parses: Sequence[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Per message (no text): gold, the classifier's best label and confidence, the chat outcome."""
    records = []
    for g, parsed in zip(gold, parses):
        ranking = [r for r in parsed.get("intent_ranking") or [] if r.get("name") != FALLBACK]
        top = ranking[0] if ranking else {"name": "", "confidence": 0.0}
        label = top["name"]
        if label == "faq":
            label = (((parsed.get("response_selector") or {}).get("faq") or {}).get("response") or {}).get(
                "intent_response_key") or "faq"
        outcome = chat_outcome(parsed)
        records.append({"expected": g, "predicted": label, "confidence": float(top.get("confidence") or 0.0),
                        "outcome": outcome.kind, "credit": credit(g, outcome)})
    return records
