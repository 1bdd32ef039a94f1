"""In-chat verification (verify_identity_form): contract number + last 4 digits of the registered
phone, and what follows it.

* `validate_verify_identity_form`: reads the answers, checks them against the accounts database,
  signs the proof (bot.identity.proofs) into the slot `identity_proof`; counts failures: 3 lock
  verification for this conversation for 30 minutes (signed slot `identity_lock`), and the limits
  shared by all conversations (bot.identity.limits) refuse a contract number or a client first.
  Every failure is logged for staff (contract number masked).
* `action_verification_result`: confirms (and answers the question that was waiting) or explains
  the lock; `action_decline_verification`: 「結構です」.

Who is writing, the lock state and the lockout text live in actions.identity (the account actions
use them too); its `clock`, `LOCKS` and `LIMITS` are read through the module, so tests replace them
in one place.
"""
from __future__ import annotations

import hashlib
import logging
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT, FormValidationAction
from rasa_sdk.types import DomainDict

from actions import identity
from actions.identity import (
    CONTRACT_SLOT,
    DIGITS_SLOT,
    LOCK_SLOT,
    OFFERED_SLOT,
    PENDING_SLOT,
    PROOF_SLOT,
    current_identity,
    identity_events,
    latest_metadata,
    lock_state,
    lockout_text,
    send,
    service_of_pending,
)
from bot import settings
from bot.answers import service as answering
from bot.engine import services
from bot.identity import customer, limits, locks, proofs
from bot.nlu.normalize import normalize
from bot.privacy import phones
from bot.support.contacts import apology, contacts_text

logger = logging.getLogger(__name__)

# Intents that end the verification form instead of being read as an answer.
STOP_INTENTS = {"deny", "decline_verification", "goodbye", "human_handoff"}

CLIENT_KEY = "client"   # metadata key the channels set (bot.channels.guard.secure_metadata)


def client_of(tracker: Tracker) -> str:
    """Who is trying: the channel's client id (socket.io connection, REST conversation), else the
    conversation. Only the channels can set it: client metadata is never passed on as such."""
    value = latest_metadata(tracker).get(CLIENT_KEY)
    if isinstance(value, str) and value and len(value) <= 200:
        return value
    return "conversation:" + str(tracker.sender_id)


def extract_contract_no(text: Any, entities: Optional[List[Dict[str, Any]]] = None) -> Optional[str]:
    """'rs-0001です' -> 'RS-0001' (the EntityRuler's contract_no entity first, then the text)."""
    for entity in entities or []:
        if entity.get("entity") == "contract_no" and isinstance(entity.get("value"), str):
            return entity["value"].upper()
    if not isinstance(text, str):
        return None
    return services.contract_no_in(normalize(text))


def extract_last4(text: Any) -> Optional[str]:
    """Exactly 4 digits (NFKC: '５６７８' -> '5678'); anything else -> None."""
    if not isinstance(text, str):
        return None
    digits = phones.digits(text)
    return digits if len(digits) == 4 else None


class ValidateVerifyIdentityForm(FormValidationAction):
    """Checks contract number + last 4 digits; signs the proof; counts failures; locks after 3."""

    def name(self) -> Text:
        return "validate_verify_identity_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        try:
            return self._validate(dispatcher, tracker)
        except Exception:  # the accounts database is down, or anything unexpected
            logger.exception("verification failed in conversation %s", tracker.sender_id)
            dispatcher.utter_message(text=apology())
            return [SlotSet(CONTRACT_SLOT, None), SlotSet(DIGITS_SLOT, None), SlotSet(REQUESTED_SLOT, None)]

    def _validate(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
        now = identity.clock()
        conversation = tracker.sender_id
        clear: List[EventType] = [SlotSet(CONTRACT_SLOT, None), SlotSet(DIGITS_SLOT, None)]
        stop = clear + [SlotSet(REQUESTED_SLOT, None)]

        if ((tracker.latest_message or {}).get("intent") or {}).get("name") in STOP_INTENTS:
            return stop
        if lock_state(tracker, now).locked(now):
            return stop
        if tracker.get_slot(REQUESTED_SLOT) is None and current_identity(tracker, now).verified:
            return stop  # already verified: action_verification_result says so

        events: List[EventType] = []
        raw_contract = tracker.get_slot(CONTRACT_SLOT)
        contract_no: Optional[str] = None
        if raw_contract is not None:
            entities = (tracker.latest_message or {}).get("entities") \
                if tracker.get_slot(REQUESTED_SLOT) == CONTRACT_SLOT else None
            contract_no = extract_contract_no(raw_contract, entities)
            if contract_no is None:
                dispatcher.utter_message(text="契約番号は「RS-0001」のように、英字2文字と数字でご入力ください。")
                return [SlotSet(CONTRACT_SLOT, None)]
            events.append(SlotSet(CONTRACT_SLOT, contract_no))

        raw_digits = tracker.get_slot(DIGITS_SLOT)
        if raw_digits is None or contract_no is None:
            return events + ([SlotSet(DIGITS_SLOT, None)] if raw_digits is not None else [])
        last4 = extract_last4(raw_digits)
        if last4 is None:
            dispatcher.utter_message(text="恐れ入りますが、ご登録の電話番号の下4桁(数字4桁のみ)をご入力ください。")
            return events + [SlotSet(DIGITS_SLOT, None)]

        from bot.storage.repository import verify_phone_last4

        client = client_of(tracker)
        shared = identity.LIMITS.check(contract_no, client, now)
        if shared.refused(now):
            # Refused before the digits are even compared: the right ones do not help now.
            logger.warning("in-chat verification refused (%s limit) for contract %s, client %s, conversation %s",
                           shared.scope, limits.mask_contract(contract_no), _short(client), conversation)
            return self._shared_lock(tracker, conversation, now, shared) + stop

        account_id = verify_phone_last4(contract_no, last4)
        if account_id:
            proof = proofs.issue_proof(account_id, conversation, now)
            logger.info("in-chat verification succeeded in conversation %s", conversation)
            identity.LOCKS.put(conversation, locks.LockState(), now)
            return [SlotSet(PROOF_SLOT, proof), SlotSet(LOCK_SLOT, None)] + stop

        shared = identity.LIMITS.record_failure(contract_no, client, now)
        state = locks.record_failure(lock_state(tracker, now), now)
        logger.warning(
            "in-chat verification failed for contract %s (%d/%d in %d min), client %s (%d/%d), "
            "conversation %s (%d/%d)", limits.mask_contract(contract_no), shared.contract_failures,
            identity.LIMITS.contract_max, limits.WINDOW_MINUTES, _short(client), shared.client_failures,
            identity.LIMITS.client_max, conversation, state.failures, locks.MAX_FAILURES)
        if shared.refused(now):
            state = locks.shared_lock(state, shared.scope, shared.locked_until)
        identity.LOCKS.put(conversation, state, now)
        events = [SlotSet(LOCK_SLOT, locks.issue_lock(state, conversation))] + clear
        if state.locked(now):
            return events + [SlotSet(REQUESTED_SLOT, None)]
        dispatcher.utter_message(
            text="ご入力の契約番号と電話番号の下4桁では確認できませんでした。"
            f"あと{state.remaining_attempts()}回お試しいただけます。もう一度、契約番号からご入力ください。"
        )
        return events + [SlotSet(REQUESTED_SLOT, CONTRACT_SLOT)]

    @staticmethod
    def _shared_lock(tracker: Tracker, conversation: str, now: float, shared: limits.Verdict) -> List[EventType]:
        """The conversation takes over the shared lock, so that action_verification_result (and the
        account actions) explain it."""
        state = locks.shared_lock(lock_state(tracker, now), shared.scope or locks.SCOPE_CONTRACT,
                                     shared.locked_until)
        identity.LOCKS.put(conversation, state, now)
        return [SlotSet(LOCK_SLOT, locks.issue_lock(state, conversation))]


def _short(client: str) -> str:
    """A client id for the logs: its kind and a short hash (connection ids are not secrets, but
    they need not be written out)."""
    kind = client.split(":", 1)[0] if ":" in client else "client"
    return f"{kind}:{hashlib.sha256(client.encode('utf-8')).hexdigest()[:8]}"


class ActionVerificationResult(Action):
    """After the form: confirm (and answer the question that was waiting), or explain the lock."""

    def name(self) -> Text:
        return "action_verification_result"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        pending = tracker.get_slot(PENDING_SLOT)
        key, params = answering.split_pending(pending)
        try:
            now = identity.clock()
            ident = current_identity(tracker, now)
            events = identity_events(ident)
            if not ident.verified:
                state = lock_state(tracker, now)
                if state.locked(now):
                    dispatcher.utter_message(text=lockout_text(state, pending))
                    return events + [SlotSet(PENDING_SLOT, None), SlotSet(OFFERED_SLOT, False)]
                text = "本人確認は完了していません。一般的なご質問には引き続きお答えします。"
                if ((tracker.latest_message or {}).get("intent") or {}).get("name") == "human_handoff":
                    text += "担当窓口は次のとおりです。\n" + contacts_text(service_of_pending(pending))
                dispatcher.utter_message(text=text)
                return events + [SlotSet(PENDING_SLOT, None), SlotSet(OFFERED_SLOT, False)]
            how = "ログイン情報で" if ident.source == customer.TOKEN else ""
            head = f"{how}本人確認ができました。ありがとうございます。"
            if key is None:
                dispatcher.utter_message(
                    text=head + "ご契約についてのご質問をどうぞ(例:「今月の請求はいくら?」「契約内容を教えて」)。")
                return events + [SlotSet(PENDING_SLOT, None), SlotSet(OFFERED_SLOT, False)]
            from bot.storage.repository import load_account

            reply = answering.answer(load_account, ident.account_id, key, settings.today_for(latest_metadata(tracker)),
                                     params=params)
            send(dispatcher, reply, head)
            return events + [SlotSet(PENDING_SLOT, reply.pending), SlotSet(OFFERED_SLOT, False)]
        except Exception:
            logger.exception("action_verification_result failed in conversation %s", tracker.sender_id)
            dispatcher.utter_message(text=apology(service_of_pending(pending)))
            return [SlotSet(PENDING_SLOT, None), SlotSet(OFFERED_SLOT, False)]


class ActionDeclineVerification(Action):
    """「結構です」: forget the waiting question."""

    def name(self) -> Text:
        return "action_decline_verification"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        dispatcher.utter_message(text="承知しました。ほかにご不明な点があればお気軽にお尋ねください。")
        return [SlotSet(PENDING_SLOT, None), SlotSet(OFFERED_SLOT, False)]
