"""Account-specific answers: one action per question (intent `account_<key>` -> `action_account_<key>`).

Each action: who is the customer (actions.identity.current_identity, token checked on this very
message) -> bot.account_service (repository + engine) -> reply. Anonymous customers get the general
rule and an offer to verify; any failure gets an apology with the right contact, never silence.
"""
from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from typing import List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import identity as chat_identity
from actions.identity import (
    OFFERED_SLOT,
    PENDING_SLOT,
    current_identity,
    identity_events,
    lock_state,
    lockout_text,
    notice,
    send,
)
from bot import account_service, settings
from bot.engine.contracts import Service

logger = logging.getLogger(__name__)


def _latest_entity(tracker: Tracker, name: str) -> Optional[str]:
    value = next(tracker.get_latest_entity_values(name), None)
    return value if isinstance(value, str) and value else None


def _service(tracker: Tracker) -> Optional[Service]:
    value = _latest_entity(tracker, "service")
    return next((s for s in Service if s.value == value), None)


def respond(dispatcher: CollectingDispatcher, tracker: Tracker, key: str,
            params: Optional[account_service.Params] = None) -> List[EventType]:
    """Answer question `key` for whoever sends the latest message."""
    question = account_service.question(key)
    try:
        now = chat_identity.clock()  # looked up on the module so tests can fix the clock
        ident = current_identity(tracker, now)
        events = identity_events(ident)
        if params is None:
            params = account_service.parse_params((tracker.latest_message or {}).get("text") or "")
        today = settings.today()
        if not ident.verified:
            state = lock_state(tracker, now)
            if state.locked(now):
                reply = account_service.general_answer(key, today, params, offer=False)
                send(dispatcher, reply, notice(ident))
                dispatcher.utter_message(text=lockout_text(state, key))
                return events + [SlotSet(PENDING_SLOT, None), SlotSet(OFFERED_SLOT, False)]
            reply = account_service.general_answer(key, today, params)
            send(dispatcher, reply, notice(ident))
            return events + [SlotSet(PENDING_SLOT, reply.pending), SlotSet(OFFERED_SLOT, True)]
        reply = account_service.answer(ident.account_id, key, today, contract_no=_latest_entity(tracker, "contract_no"),
                                       service=_service(tracker), params=params)
        send(dispatcher, reply)
        return events + [SlotSet(PENDING_SLOT, reply.pending), SlotSet(OFFERED_SLOT, False)]
    except Exception:  # the accounts database is down, or anything unexpected
        logger.exception("account question %s failed in conversation %s", key, tracker.sender_id)
        dispatcher.utter_message(text=account_service.apology(question.service))
        return [SlotSet(PENDING_SLOT, None), SlotSet(OFFERED_SLOT, False)]


class AccountQuestionAction(Action, ABC):
    """Base of the per-question actions; subclasses set `key` (a bot.account_service.QUESTIONS key)."""

    @property
    @abstractmethod
    def key(self) -> str:
        """The question key."""

    def name(self) -> Text:
        return f"action_account_{self.key}"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        return respond(dispatcher, tracker, self.key)


class ActionAnswerPendingQuestion(Action):
    """The customer chose a contract (button `/choose_contract{"contract_no": ...}`): answer the waiting question."""

    def name(self) -> Text:
        return "action_answer_pending_question"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        key, params = account_service.split_pending(tracker.get_slot(PENDING_SLOT))
        if key is None:
            dispatcher.utter_message(
                text="ご契約についてお調べしたい内容をお知らせください(例:「今日解約したらいつ終わる?」「契約内容を教えて」)。")
            return []
        return respond(dispatcher, tracker, key, params)


# ---- one action per question (keys: bot.account_service.QUESTIONS) --------------------------

class ActionAccountRsEligibility(AccountQuestionAction):
    key = "rs_eligibility"


class ActionAccountRsCancelThisMonth(AccountQuestionAction):
    key = "rs_cancel_this_month"


class ActionAccountRsChargesToDate(AccountQuestionAction):
    key = "rs_charges_to_date"


class ActionAccountLmRenewalFee(AccountQuestionAction):
    key = "lm_renewal_fee"


class ActionAccountLmRejoinFee(AccountQuestionAction):
    key = "lm_rejoin_fee"


class ActionAccountLmAddLicenses(AccountQuestionAction):
    key = "lm_add_licenses"


class ActionAccountLmPaymentDeadline(AccountQuestionAction):
    key = "lm_payment_deadline"


class ActionAccountLmMaintenanceStatus(AccountQuestionAction):
    key = "lm_maintenance_status"


class ActionAccountLmIncidents(AccountQuestionAction):
    key = "lm_incidents"


class ActionAccountHxHandsonFree(AccountQuestionAction):
    key = "hx_handson_free"


class ActionAccountHxEligibility(AccountQuestionAction):
    key = "hx_eligibility"


class ActionAccountRtCancelEnd(AccountQuestionAction):
    key = "rt_cancel_end"


class ActionAccountRtPlanChange(AccountQuestionAction):
    key = "rt_plan_change"


class ActionAccountRtDepositRefund(AccountQuestionAction):
    key = "rt_deposit_refund"


class ActionAccountRtTheftCover(AccountQuestionAction):
    key = "rt_theft_cover"


class ActionAccountRtAnshinChange(AccountQuestionAction):
    key = "rt_anshin_change"


class ActionAccountRtPaymentChange(AccountQuestionAction):
    key = "rt_payment_change"


class ActionAccountRtReceipt(AccountQuestionAction):
    key = "rt_receipt"


class ActionAccountPaAddNumber(AccountQuestionAction):
    key = "pa_add_number"


class ActionAccountPaTrial(AccountQuestionAction):
    key = "pa_trial"


class ActionAccountPaMonthlyFee(AccountQuestionAction):
    key = "pa_monthly_fee"


class ActionAccountPaCancelPenalty(AccountQuestionAction):
    key = "pa_cancel_penalty"


class ActionAccountContractSummary(AccountQuestionAction):
    key = "contract_summary"


class ActionAccountMonthlyBill(AccountQuestionAction):
    key = "monthly_bill"
