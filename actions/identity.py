"""Customer identity in the chat, for the account actions (actions/account.py) and the in-chat
verification (actions/verification.py): who is writing, the verification lock, what they are told.

* A login token (`metadata.token` of the message) is verified on every message that uses account
  data; a rejected one makes the customer anonymous (said politely).
* In-chat verification (verify_identity_form) stores a signed proof (bot.identity.proofs) in the slot
  `identity_proof`; only the action server can make one, it is bound to the conversation and lapses
  after 15 minutes without messages.
* 3 failures lock verification for this conversation for 30 minutes (signed slot `identity_lock`,
  and this server's memory, LOCKS).
* Across conversations and channels (bot.identity.limits, in the accounts database or Redis, LIMITS):
  5 failures for one contract number within 30 minutes refuse that contract's in-chat verification
  for 30 minutes, even with the right digits; 10 failures from one client (the channel's
  `metadata.client`: a socket.io connection, a REST conversation) refuse that client's. Refusals
  point to the logged-in website and the service's phone line (lockout_text).

Business logic lives in bot.identity / bot.answers; the actions read the tracker, call them and
send the reply.
"""
from __future__ import annotations

import logging
import time
from datetime import datetime
from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot import answers, settings
from bot.answers import service as answering
from bot.answers.reply import Reply
from bot.identity import customer, limits, locks, proofs
from bot.identity.customer import Identity
from bot.privacy import logs
from bot.support.contacts import contacts_text

logs.install()
logger = logging.getLogger(__name__)

PROOF_SLOT = "identity_proof"
LOCK_SLOT = "identity_lock"
PENDING_SLOT = "pending_question"
OFFERED_SLOT = "verification_offered"
CONTRACT_SLOT = "verify_contract_no"
DIGITS_SLOT = "verify_phone_last4"

NOTICES = {
    customer.TOKEN_REJECTED: "ログイン情報を確認できなかったため(有効期限切れなど)、ログインしていないお客様としてご案内します。",
    proofs.PROOF_EXPIRED: "最後のやり取りから15分以上経過したため、本人確認の有効期限が切れました。",
    proofs.PROOF_INVALID: "本人確認の情報を確認できなかったため、本人確認前のお客様としてご案内します。",
}


def clock() -> float:
    """Real time (Unix seconds): tracker timestamps are real times. Tests replace this."""
    return time.time()


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
def lock_state(tracker: Tracker, now: float) -> locks.LockState:
    """The stricter of the signed slot and this server's memory (slots can be reset by the customer)."""
    from_slot = locks.read_lock(tracker.get_slot(LOCK_SLOT), tracker.sender_id, now)
    return locks.stricter(from_slot, LOCKS.get(tracker.sender_id, now))


def service_of_pending(pending: Optional[str]) -> Optional[str]:
    """The service of the waiting question (its contacts go into lockouts and apologies)."""
    key, _ = answering.split_pending(pending)
    service = answers.question(key).service if key else None
    return service.value if service is not None else None


def jtime(timestamp: float) -> str:
    moment = datetime.fromtimestamp(timestamp, settings.TOKYO)
    return f"{moment.month}月{moment.day}日{moment.hour}時{moment.minute:02d}分"


def lockout_text(state: locks.LockState, pending: Optional[str]) -> str:
    service = service_of_pending(pending)
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
