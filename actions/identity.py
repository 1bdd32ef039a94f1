"""Customer identity in the chat: who is writing, in-chat verification (verify_identity_form).

* A login token (`metadata.token` of the message) is verified on every message that uses account
  data; a rejected one makes the customer anonymous (said politely).
* In-chat verification: contract number + last 4 digits of the registered phone. Success stores a
  signed proof (bot.identity.proofs) in the slot `identity_proof`; only this action server can make one,
  it is bound to the conversation and lapses after 15 minutes without messages.
* 3 failures lock verification for this conversation for 30 minutes (signed slot `identity_lock`).
* Across conversations and channels (bot.identity.limits, in the accounts database or Redis): 5 failures
  for one contract number within 30 minutes refuse that contract's in-chat verification for 30
  minutes, even with the right digits; 10 failures from one client (the channel's `metadata.client`:
  a socket.io connection, a REST conversation) refuse that client's. Refusals point to the logged-in
  website and the service's phone line. Every failure is logged for staff (contract number masked).

Business logic lives in bot.identity / bot.answers; these actions read the tracker,
call them and send the reply.
"""
from __future__ import annotations

import logging
import time
from datetime import datetime
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT, FormValidationAction
from rasa_sdk.types import DomainDict

from bot import answers, settings
from bot.answers import service as answering
from bot.answers.reply import Reply
from bot.engine import services
from bot.identity import customer, limits, locks, proofs
from bot.identity.customer import Identity
from bot.nlu.normalize import normalize
from bot.privacy import logs, phones
from bot.support.contacts import apology, contacts_text

logs.install()
logger = logging.getLogger(__name__)

PROOF_SLOT = "identity_proof"
LOCK_SLOT = "identity_lock"
PENDING_SLOT = "pending_question"
OFFERED_SLOT = "verification_offered"
CONTRACT_SLOT = "verify_contract_no"
DIGITS_SLOT = "verify_phone_last4"
FORM = "verify_identity_form"

# Intents that end the verification form instead of being read as an answer.
STOP_INTENTS = {"deny", "decline_verification", "goodbye", "human_handoff"}

NOTICES = {
    customer.TOKEN_REJECTED: "ログイン情報を確認できなかったため(有効期限切れなど)、ログインしていないお客様としてご案内します。",
    proofs.PROOF_EXPIRED: "最後のやり取りから15分以上経過したため、本人確認の有効期限が切れました。",
    proofs.PROOF_INVALID: "本人確認の情報を確認できなかったため、本人確認前のお客様としてご案内します。",
}


def clock() -> float:
    """Real time (Unix seconds): tracker timestamps are real times. Tests replace this."""
    return time.time()


# ---- helpers shared with actions/account.py -------------------------------------------------

def latest_metadata(tracker: Tracker) -> Dict[str, Any]:
    metadata = (tracker.latest_message or {}).get("metadata")
    return metadata if isinstance(metadata, dict) else {}


def current_identity(tracker: Tracker, now: Optional[float] = None) -> Identity:
    """Who sends the latest message: token (checked now), else a valid fresh chat proof, else anonymous."""
    now = clock() if now is None else now
    return customer.resolve(
        latest_metadata(tracker),
        tracker.get_slot(PROOF_SLOT),
        tracker.sender_id,
        now,
        customer.user_message_times(tracker.events or []),
    )


def identity_events(ident: Identity) -> List[EventType]:
    if ident.proof:
        return [SlotSet(PROOF_SLOT, ident.proof)]
    if ident.clear_proof:
        return [SlotSet(PROOF_SLOT, None)]
    return []


def notice(ident: Identity) -> str:
    return NOTICES.get(ident.problem or "", "")


LOCKS = locks.LockRegistry()
# Shared failure counters (per contract number, per client); tests replace it.
LIMITS = limits.VerificationLimiter()
CLIENT_KEY = "client"   # metadata key the channels set (bot.channels.guard.secure_metadata)


def client_of(tracker: Tracker) -> str:
    """Who is trying: the channel's client id (socket.io connection, REST conversation), else the
    conversation. Only the channels can set it: client metadata is never passed on as such."""
    value = latest_metadata(tracker).get(CLIENT_KEY)
    if isinstance(value, str) and value and len(value) <= 200:
        return value
    return "conversation:" + str(tracker.sender_id)


def lock_state(tracker: Tracker, now: float) -> locks.LockState:
    """The stricter of the signed slot and this server's memory (slots can be reset by the customer)."""
    from_slot = locks.read_lock(tracker.get_slot(LOCK_SLOT), tracker.sender_id, now)
    return locks.stricter(from_slot, LOCKS.get(tracker.sender_id, now))


def _service_of_pending(pending: Optional[str]) -> Optional[str]:
    """The service of the waiting question (its contacts go into lockouts and apologies)."""
    key, _ = answering.split_pending(pending)
    service = answers.question(key).service if key else None
    return service.value if service is not None else None


def jtime(timestamp: float) -> str:
    moment = datetime.fromtimestamp(timestamp, settings.TOKYO)
    return f"{moment.month}月{moment.day}日{moment.hour}時{moment.minute:02d}分"


def lockout_text(state: locks.LockState, pending: Optional[str]) -> str:
    service = _service_of_pending(pending)
    if getattr(state, "scope", locks.CONVERSATION) == locks.CONVERSATION:
        head = (f"本人確認を{locks.MAX_FAILURES}回続けて完了できなかったため、この会話での本人確認を"
                f"{jtime(state.locked_until)}まで({locks.LOCK_MINUTES}分間)停止しています。")
    else:
        # Contract number or client refused by the shared limits: the same words for an unknown
        # contract number and a known one (nothing tells them apart).
        head = ("ご入力の内容での本人確認に短時間で何度も失敗があったため、お客様の情報を守るため、"
                f"チャットでの本人確認を{jtime(state.locked_until)}まで({limits.LOCK_MINUTES}分間)"
                "お受けできません。正しい番号をご入力いただいても、この間は確認できません。")
    return (
        head
        + "一般的なご質問には引き続きお答えします。ご契約についてのご用件は、ウェブサイトにログインしたうえで"
        "チャットをご利用いただくか、下記の窓口へお電話でお問い合わせください。\n"
        + contacts_text(service)
    )


def send(dispatcher: CollectingDispatcher, reply: Reply, prefix: str = "") -> None:
    buttons = [{"title": b.title, "payload": b.payload} for b in reply.buttons]
    text = f"{prefix}\n{reply.text}" if prefix else reply.text
    if buttons:
        dispatcher.utter_message(text=text, buttons=buttons)
    else:
        dispatcher.utter_message(text=text)


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


# ---- the form -------------------------------------------------------------------------------

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
        now = clock()
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
        shared = LIMITS.check(contract_no, client, now)
        if shared.refused(now):
            # Refused before the digits are even compared: the right ones do not help now.
            logger.warning("in-chat verification refused (%s limit) for contract %s, client %s, conversation %s",
                           shared.scope, limits.mask_contract(contract_no), _short(client), conversation)
            return self._shared_lock(tracker, conversation, now, shared) + stop

        account_id = verify_phone_last4(contract_no, last4)
        if account_id:
            proof = proofs.issue_proof(account_id, conversation, now)
            logger.info("in-chat verification succeeded in conversation %s", conversation)
            LOCKS.put(conversation, locks.LockState(), now)
            return [SlotSet(PROOF_SLOT, proof), SlotSet(LOCK_SLOT, None)] + stop

        shared = LIMITS.record_failure(contract_no, client, now)
        state = locks.record_failure(lock_state(tracker, now), now)
        logger.warning(
            "in-chat verification failed for contract %s (%d/%d in %d min), client %s (%d/%d), "
            "conversation %s (%d/%d)", limits.mask_contract(contract_no), shared.contract_failures,
            LIMITS.contract_max, limits.WINDOW_MINUTES, _short(client), shared.client_failures,
            LIMITS.client_max, conversation, state.failures, locks.MAX_FAILURES)
        if shared.refused(now):
            state = locks.shared_lock(state, shared.scope, shared.locked_until)
        LOCKS.put(conversation, state, now)
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
        LOCKS.put(conversation, state, now)
        return [SlotSet(LOCK_SLOT, locks.issue_lock(state, conversation))]


def _short(client: str) -> str:
    """A client id for the logs: its kind and a short hash (connection ids are not secrets, but
    they need not be written out)."""
    import hashlib

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
            now = clock()
            ident = current_identity(tracker, now)
            events = identity_events(ident)
            if not ident.verified:
                state = lock_state(tracker, now)
                if state.locked(now):
                    dispatcher.utter_message(text=lockout_text(state, pending))
                    return events + [SlotSet(PENDING_SLOT, None), SlotSet(OFFERED_SLOT, False)]
                text = "本人確認は完了していません。一般的なご質問には引き続きお答えします。"
                if ((tracker.latest_message or {}).get("intent") or {}).get("name") == "human_handoff":
                    text += "担当窓口は次のとおりです。\n" + contacts_text(_service_of_pending(pending))
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
            dispatcher.utter_message(text=apology(_service_of_pending(pending)))
            return [SlotSet(PENDING_SLOT, None), SlotSet(OFFERED_SLOT, False)]


class ActionDeclineVerification(Action):
    """「結構です」: forget the waiting question."""

    def name(self) -> Text:
        return "action_decline_verification"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        dispatcher.utter_message(text="承知しました。ほかにご不明な点があればお気軽にお尋ねください。")
        return [SlotSet(PENDING_SLOT, None), SlotSet(OFFERED_SLOT, False)]
