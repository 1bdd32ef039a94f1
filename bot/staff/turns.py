"""What the bot did with each customer message, read from tracker events (dicts, as Rasa stores them).

One *turn* is a user event and everything up to the next one. The same reading serves the metrics
(bot.metrics: reply kind, verification outcome), the diagnostic line of `make shell DEBUG=1` and
`python -m bot ask`, the conversation review and the staff page. Pure functions, no Rasa imports:
tolerant of events it does not know (the dialogue may grow new actions).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Mapping, Optional

# Reply kinds (metric label `kind`, review and page).
FAQ, ACCOUNT, FALLBACK, DISAMBIGUATION, HANDOFF, OUT_OF_SCOPE = (
    "faq", "account", "fallback", "disambiguation", "handoff", "out_of_scope")
VERIFICATION, SMALLTALK, OTHER, NO_REPLY = "verification", "smalltalk", "other", "no_reply"
KINDS = (FAQ, ACCOUNT, FALLBACK, DISAMBIGUATION, HANDOFF, OUT_OF_SCOPE, VERIFICATION, SMALLTALK, OTHER, NO_REPLY)
# Verification outcomes (metric label `outcome`).
VERIFIED, FAILED, LOCKED = "success", "failure", "locked"

_BOOKKEEPING = {"action_listen", "action_extract_slots", "action_session_start"}
_SMALLTALK = {"utter_greet", "utter_goodbye", "utter_thank"}
_ACCOUNT_ACTIONS = {"action_answer_pending_question", "action_verification_result", "action_answer_account_topic"}
ACCOUNT_TOPIC_INTENT = "account_topic"   # bot.nlu.account_topics: an FAQ topic with a per-customer rule
_VERIFICATION_ACTIONS = {"verify_identity_form", "action_decline_verification", "utter_verification_hint",
                         "validate_verify_identity_form"}
_LOCK_VALUE = re.compile(r"^v\d+:(\d+):(\d+):")
_FAQ_TOPIC_PAYLOAD = re.compile(r'"faq_topic"\s*:\s*"([^"]+)"')


@dataclass
class Turn:
    """One customer message and the bot's handling of it."""

    sender_id: str
    timestamp: float
    text: str
    intent: Optional[str] = None
    confidence: Optional[float] = None
    predicted: Optional[str] = None        # best real intent (under nlu_fallback: the runner-up)
    predicted_confidence: Optional[float] = None
    faq_key: Optional[str] = None          # FAQ answer given (utter_faq/<key>), else the top FAQ guess
    faq_answered: bool = False
    account_question: Optional[str] = None
    service: Optional[str] = None          # the `service` slot after the turn
    identified: bool = False               # a login claim or an in-chat proof was present
    kind: str = NO_REPLY
    fallback_stage: Optional[int] = None   # 1: topics offered, 2: apology
    topics_offered: List[str] = field(default_factory=list)
    topic_picked: Optional[str] = None     # filled from the next turn after a topic list
    services_offered: List[str] = field(default_factory=list)
    verification: Optional[str] = None     # VERIFIED, FAILED, LOCKED
    form_input: bool = False               # typed into the verification form (contract no / digits)
    actions: List[str] = field(default_factory=list)
    reply_seconds: Optional[float] = None  # from the user event to the last bot message
    action_error: bool = False             # a custom action ran and produced nothing at all
    about: Optional[str] = None            # a button payload's turn: the customer's question it answers

    @property
    def topic(self) -> str:
        """What the customer most likely asked about: faq/<key>, or the predicted intent."""
        if self.faq_key and (self.predicted in (None, "faq", ACCOUNT_TOPIC_INTENT) or self.faq_answered):
            return "faq/" + self.faq_key
        return self.predicted or self.intent or "?"


def _faq_guess(parse: Mapping[str, Any]) -> tuple[Optional[str], Optional[float]]:
    selector = (parse.get("response_selector") or {}).get("faq") or {}
    response = selector.get("response") or {}
    key = response.get("intent_response_key") or ""
    return (key.removeprefix("faq/") or None), response.get("confidence")


def _start(event: Mapping[str, Any], sender_id: str, state: Mapping[str, Any]) -> Turn:
    parse = event.get("parse_data") or {}
    intent = parse.get("intent") or {}
    turn = Turn(sender_id=sender_id, timestamp=float(event.get("timestamp") or 0), text=str(event.get("text") or ""),
                intent=intent.get("name"), confidence=_num(intent.get("confidence")))
    ranking = [r for r in parse.get("intent_ranking") or [] if r.get("name") != "nlu_fallback"]
    if turn.intent != "nlu_fallback":
        turn.predicted, turn.predicted_confidence = turn.intent, turn.confidence
    elif ranking:
        turn.predicted, turn.predicted_confidence = ranking[0].get("name"), _num(ranking[0].get("confidence"))
    turn.faq_key, _ = _faq_guess(parse)
    turn.form_input = state.get("active_loop") == "verify_identity_form" and state.get("requested_slot") in (
        "verify_contract_no", "verify_phone_last4")
    metadata = event.get("metadata") or {}
    token = metadata.get("token") if isinstance(metadata, Mapping) else None
    turn.identified = bool(token) or bool(state.get("identity_proof"))
    return turn


def _num(value: Any) -> Optional[float]:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _classify(turn: Turn, bot_events: List[Mapping[str, Any]]) -> None:
    actions = [a for a in turn.actions if a not in _BOOKKEEPING]
    utters = [str((b.get("metadata") or {}).get("utter_action") or "") for b in bot_events]
    buttons = [btn.get("payload", "") for b in bot_events for btn in ((b.get("data") or {}).get("buttons") or [])]
    faq_utter = next((u for u in utters if u.startswith("utter_faq/")), None)
    if faq_utter:
        turn.faq_key, turn.faq_answered = faq_utter.removeprefix("utter_faq/"), True
    account = [a for a in actions if a.startswith("action_account_")]
    if account:
        turn.account_question = account[-1].removeprefix("action_account_")
    elif turn.intent == ACCOUNT_TOPIC_INTENT and not turn.account_question and turn.faq_key:
        turn.account_question = turn.faq_key
    if "action_human_handoff" in actions:
        turn.kind = HANDOFF
    elif "action_offer_faq_topics" in actions or "utter_default" in actions or "action_default_fallback" in actions \
            or turn.intent == "none_of_these":
        turn.kind = FALLBACK
        turn.topics_offered = [m.group(1) for p in buttons for m in [_FAQ_TOPIC_PAYLOAD.search(p)] if m]
        turn.fallback_stage = 1 if turn.topics_offered or any(p.startswith("/account_") for p in buttons) else 2
    elif (account or any(a in _ACCOUNT_ACTIONS or a.startswith("action_answer_account") for a in actions)) \
            and not (faq_utter and turn.intent == ACCOUNT_TOPIC_INTENT):
        turn.kind = ACCOUNT  # (an account topic answered with the general FAQ answer counts as faq)
    elif faq_utter or "utter_faq" in actions or "action_answer_faq_topic" in actions:
        turn.kind = FAQ
    elif "action_disambiguate_service" in actions:
        turn.kind = DISAMBIGUATION
        turn.services_offered = [p.split('"service":"')[1].split('"')[0] for p in buttons if '"service":"' in p]
    elif any(a in _VERIFICATION_ACTIONS for a in actions):
        turn.kind = VERIFICATION
    elif "utter_out_of_scope" in actions:
        turn.kind = OUT_OF_SCOPE
    elif any(a in _SMALLTALK for a in actions):
        turn.kind = SMALLTALK
    elif bot_events:
        turn.kind = OTHER
    custom = [a for a in actions if a.startswith(("action_", "validate_")) and a not in _BOOKKEEPING]
    turn.action_error = bool(custom) and not bot_events


def split_turns(events: Iterable[Mapping[str, Any]], sender_id: str = "") -> List[Turn]:
    """The conversation's turns, in order (events before the first user message are skipped)."""
    turns: List[Turn] = []
    state: Dict[str, Any] = {}
    current: Optional[Turn] = None
    bots: List[Mapping[str, Any]] = []
    last_action: Optional[str] = None

    def close() -> None:
        if current is None:
            return
        _classify(current, bots)
        current.service = state.get("service")
        current.identified = current.identified or bool(state.get("identity_proof"))
        if turns and turns[-1].kind == FALLBACK and turns[-1].fallback_stage == 1:
            previous = turns[-1]
            if current.intent == "choose_faq":
                match = _FAQ_TOPIC_PAYLOAD.search(current.text)
                previous.topic_picked = match.group(1) if match else (current.faq_key or "?")
            elif current.intent == "none_of_these":
                previous.topic_picked = "none_of_these"
                current.about = previous.about or previous.text
                current.predicted, current.predicted_confidence = previous.predicted, previous.predicted_confidence
                current.faq_key = previous.faq_key
            else:
                previous.topic_picked = "(typed: " + (current.predicted or "?") + ")"
        turns.append(current)

    for event in events:
        kind = event.get("event")
        if kind == "user":
            close()
            current, bots, last_action = _start(event, sender_id, state), [], None
        elif kind == "session_started":
            state = {}
        elif kind == "slot":
            name, value = event.get("name"), event.get("value")
            state[name] = value
            if current is not None and name == "pending_question" and value and not current.account_question:
                current.account_question = str(value).split("|")[0]
            if current is not None and last_action == "verify_identity_form":
                if name == "identity_proof" and value:
                    current.verification = VERIFIED
                elif name == "identity_lock" and value:
                    match = _LOCK_VALUE.match(str(value))
                    current.verification = LOCKED if match and int(match.group(2)) > 0 else FAILED
        elif kind == "active_loop":
            state["active_loop"] = event.get("name")
        elif current is not None and kind == "action":
            last_action = str(event.get("name") or "")
            current.actions.append(last_action)
        elif current is not None and kind == "bot":
            bots.append(event)
            current.reply_seconds = max(0.0, float(event.get("timestamp") or current.timestamp) - current.timestamp)
    close()
    return turns


def last_turn(events: Iterable[Mapping[str, Any]], sender_id: str = "") -> Optional[Turn]:
    turns = split_turns(events, sender_id)
    return turns[-1] if turns else None


def diagnostic_line(turn: Optional[Turn]) -> str:
    """`intent=faq (0.98) answer=faq/rs_monthly_fee service=remote_support identified=no kind=faq`."""
    if turn is None:
        return "[diag] no customer message in this conversation"
    conf = f" ({turn.confidence:.2f})" if turn.confidence is not None else ""
    parts = [f"intent={turn.intent or '?'}{conf}"]
    if turn.intent == "nlu_fallback" and turn.predicted:
        parts.append(f"best={turn.predicted} ({(turn.predicted_confidence or 0):.2f})")
    if turn.faq_answered and turn.faq_key:
        parts.append(f"answer=faq/{turn.faq_key}")
    elif turn.account_question:
        parts.append(f"account={turn.account_question}")
    elif turn.kind == FALLBACK and turn.topics_offered:
        parts.append("topics=" + ",".join(turn.topics_offered))
    else:
        parts.append("answer=-")
    parts.append(f"service={turn.service or '-'}")
    parts.append(f"identified={'yes' if turn.identified else 'no'}")
    parts.append(f"kind={turn.kind}")
    if turn.verification:
        parts.append(f"verification={turn.verification}")
    return "[diag] " + " ".join(parts)
