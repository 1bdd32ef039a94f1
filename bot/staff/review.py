"""Conversation review: what in the last N days needs a human look (``python -m bot review``, /staff/).

Findings: fallbacks (stage 1 = topics offered, with the topic the customer then picked; stage 2 =
apology), service-disambiguation turns, handoff requests, answers given with a confidence below a
threshold, failed and locked verifications, custom actions that produced nothing (action errors).
Grouped by predicted topic (``faq/<key>`` or the intent), with counts. Everything shown is masked:
phone numbers, names (also those of the accounts database), login tokens and claims, contract
numbers, account ids and digit runs; what was typed into the verification form is never shown.
Conversation ids are shown as a short hash. ``export_nlu_draft`` writes the unanswered messages as a
Rasa NLU YAML draft for staff to label (never into data/nlu/ automatically).
"""
from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable, Dict, List, Optional

from bot import settings
from bot.staff import turns

LOW_CONFIDENCE = 0.6

FALLBACK_TOPICS, FALLBACK_APOLOGY, DISAMBIGUATION, HANDOFF = (
    "fallback_topics", "fallback_apology", "disambiguation", "handoff")
LOW, VERIFY_FAILED, VERIFY_LOCKED, ACTION_ERROR = (
    "low_confidence", "verification_failed", "verification_locked", "action_error")
CATEGORIES = {
    FALLBACK_TOPICS: "fallback, stage 1 (topics offered)",
    FALLBACK_APOLOGY: "fallback, stage 2 (apology)",
    DISAMBIGUATION: "which service? (disambiguation)",
    HANDOFF: "handoff requests",
    LOW: "answered with low confidence",
    VERIFY_FAILED: "failed verifications",
    VERIFY_LOCKED: "locked verifications",
    ACTION_ERROR: "action errors (no reply)",
}
UNANSWERED = (FALLBACK_TOPICS, FALLBACK_APOLOGY, LOW)

_CONTRACT_NO = re.compile(r"(?<![A-Za-zＡ-Ｚａ-ｚ])[A-Za-zＡ-Ｚａ-ｚ]{2}\s*[-－ー‐―]?\s*[0-9０-９]{3,}")
_ACCOUNT_ID = re.compile(r"(?<![A-Za-z0-9])[A-Za-z][0-9]{4,}(?![0-9])")
_DIGITS = re.compile(r"[0-9０-９]{4,}")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")


@dataclass
class Finding:
    category: str
    turn: turns.Turn
    text: str            # masked
    conversation: str    # short hash of the sender id
    detail: str = ""


@dataclass
class Report:
    days: float
    since: float
    until: float
    conversations: int
    messages: int
    threshold: float
    findings: List[Finding] = field(default_factory=list)

    def counts(self) -> Dict[str, int]:
        counted = Counter(f.category for f in self.findings)
        return {category: counted.get(category, 0) for category in CATEGORIES}

    def by_topic(self) -> List[tuple]:
        """[(topic, [findings])], the topic with the most findings first."""
        groups: Dict[str, List[Finding]] = defaultdict(list)
        for finding in self.findings:
            groups[finding.turn.topic].append(finding)
        return sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))


# ------------------------------------------------------------------------------ masking
def _names_from_accounts() -> List[str]:
    """Customers' names and their parts (2+ characters) from the accounts database, longest first."""
    try:
        from bot.storage.repository import list_accounts

        names = set()
        for account in list_accounts():
            full = str(getattr(account, "name", "") or "").strip()
            if full:
                names.add(full)
                names.add(full.replace(" ", "").replace("\u3000", ""))
                names.update(part for part in re.split(r"[ \u3000]+", full) if len(part) >= 2)
        return sorted(names, key=len, reverse=True)
    except Exception:  # no accounts database here: the pattern-based masking still applies
        return []


def make_masker(names: Optional[List[str]] = None) -> Callable[[str], str]:
    from bot.privacy import masking, phones

    known = _names_from_accounts() if names is None else names

    def mask(text: str) -> str:
        text = masking.mask(phones.redact(text or ""))
        for name in known:
            text = text.replace(name, "***")
        text = _EMAIL.sub("<email>", text)
        text = _CONTRACT_NO.sub("<contract no>", text)
        text = _ACCOUNT_ID.sub("<account>", text)
        return _DIGITS.sub(lambda m: "*" * len(m.group(0)), text)

    return mask


def conversation_ref(sender_id: str) -> str:
    return hashlib.sha256(sender_id.encode("utf-8")).hexdigest()[:8]


# ------------------------------------------------------------------------------ findings
def _categories(turn: turns.Turn, threshold: float) -> List[tuple]:
    found = []
    if turn.kind == turns.FALLBACK:
        if turn.fallback_stage == 1:
            offered = ", ".join(turn.topics_offered) or "-"
            found.append((FALLBACK_TOPICS, f"offered: {offered}; picked: {turn.topic_picked or '(no answer)'}"))
        else:
            found.append((FALLBACK_APOLOGY, "after the topics: none of these" if turn.about else ""))
    elif turn.kind == turns.DISAMBIGUATION:
        offered = ", ".join(turn.services_offered) or "asked to rephrase"
        found.append((DISAMBIGUATION, f"services offered: {offered}"))
    elif turn.kind == turns.HANDOFF:
        found.append((HANDOFF, f"service: {turn.service or '-'}"))
    elif (turn.confidence is not None and turn.confidence < threshold and not turn.form_input
          and not turn.text.startswith("/")):
        found.append((LOW, f"answered as {turn.kind}"))
    if turn.verification == turns.FAILED:
        found.append((VERIFY_FAILED, ""))
    elif turn.verification == turns.LOCKED:
        found.append((VERIFY_LOCKED, "locked after repeated failures"))
    if turn.action_error:
        found.append((ACTION_ERROR, "actions: " + ", ".join(a for a in turn.actions if a != "action_listen")))
    return found


def build(all_turns: List[turns.Turn], days: float, since: float, until: float,
          threshold: float = LOW_CONFIDENCE, mask: Optional[Callable[[str], str]] = None) -> Report:
    mask = mask or make_masker()
    report = Report(days=days, since=since, until=until, threshold=threshold,
                    conversations=len({t.sender_id for t in all_turns}), messages=len(all_turns))
    for turn in all_turns:
        for category, detail in _categories(turn, threshold):
            shown = turn.about if turn.about and turn.text.startswith("/") else turn.text
            text = "(verification input, not shown)" if turn.form_input else mask(shown)
            report.findings.append(Finding(category, turn, text, conversation_ref(turn.sender_id), detail))
    return report


def review(engine, days: float, threshold: float = LOW_CONFIDENCE, now: Optional[float] = None) -> Report:
    import time

    from bot.staff import store

    until = time.time() if now is None else now
    return build(store.load_turns(engine, days, until), days, until - days * 86400, until, threshold)


# ------------------------------------------------------------------------------ output
def _when(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, settings.TOKYO).strftime("%Y-%m-%d %H:%M")


def format_text(report: Report) -> str:
    lines = [f"Conversations of the last {report.days:g} days ({_when(report.since)} – {_when(report.until)}, "
             f"Asia/Tokyo): {report.conversations} conversations, {report.messages} customer messages",
             f"Needs a human look: {len(report.findings)}"]
    width = max(len(label) for label in CATEGORIES.values())
    for category, count in report.counts().items():
        lines.append(f"  {CATEGORIES[category]:<{width}}  {count}")
    if not report.findings:
        return "\n".join(lines + ["", "Nothing to look at."])
    lines += ["", f"By predicted topic (low confidence: below {report.threshold:.2f}):"]
    for topic, findings in report.by_topic():
        lines.append(f"\n{topic}  ({len(findings)})")
        for f in sorted(findings, key=lambda f: f.turn.timestamp):
            conf = f"{f.turn.confidence:.2f}" if f.turn.confidence is not None else "  - "
            detail = f"  [{f.detail}]" if f.detail else ""
            lines.append(f"  {_when(f.turn.timestamp)}  {f.conversation}  {f.category:<20} {conf}  "
                         f"「{f.text}」{detail}")
    return "\n".join(lines)


def _yaml_line(text: str) -> str:
    """One example line of a literal block (taken as it is: no quoting, one line)."""
    return " ".join(text.split()) or "(empty)"


def export_nlu_draft(report: Report, path: Path) -> int:
    """Write the unanswered messages (fallbacks, low confidence) as a Rasa NLU YAML draft; returns
    how many examples. One block per predicted intent, which is given as a comment: label each
    block with the right intent before moving it into data/nlu/."""
    groups: Dict[str, List[Finding]] = defaultdict(list)
    seen = set()
    for finding in report.findings:
        if finding.category in UNANSWERED and not finding.turn.form_input and finding.text not in seen:
            seen.add(finding.text)
            groups[finding.turn.predicted or "?"].append(finding)
    out = [f"# Draft from `python -m bot review --days {report.days:g}` ({_when(report.until)}): messages the bot",
           "# could not answer confidently. Replace each `label_me` with the right intent (or faq/<key>),",
           "# check the masked text, then move the examples into data/nlu/ by hand.",
           'version: "3.1"', "nlu:"]
    count = 0
    for predicted, findings in sorted(groups.items(), key=lambda item: (-len(item[1]), item[0])):
        best = max((f.turn.predicted_confidence or 0) for f in findings)
        faq = sorted({f.turn.faq_key for f in findings if f.turn.faq_key})
        hint = f"; top FAQ guess: {', '.join('faq/' + k for k in faq[:3])}" if faq else ""
        out.append(f"# predicted intent: {predicted} (confidence up to {best:.2f}){hint}")
        out.append("- intent: label_me")
        out.append("  examples: |")
        for finding in findings:
            out.append(f"    - {_yaml_line(finding.text)}")
            count += 1
    if count == 0:
        out[-1] = "nlu: []"
    Path(path).write_text("\n".join(out) + "\n", encoding="utf-8")
    return count
