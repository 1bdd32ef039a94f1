"""レンタル端末/SIM (seed 003, マイページ): every business rule of the service.

Applications are made on マイページ only, on the days of the month `days` sets out (changes on the
1st–15th, the 15th as cancellation deadline, nothing on the 25th). The rule book in three chapters,
each a module (re-exported here, so `rt.plan_change` is the API):
- `ending`: cancellation and plan change, and what is refunded (デポコミ, おまとめ);
- `anshin`: changing or removing 安心サポート, Premium's loss/theft cover;
- `billing`: this month's bill, the payment method, card details, receipts.
"""
from bot.engine.rental.contract import (  # the record and the enums the rules take, as `rt.Payment`
    ANSHIN_NAMES,
    COURSE_NAMES,
    PAYMENT_NAMES,
    Anshin,
    Course,
    Payment,
    RentalContract,
)
from bot.engine.rental.anshin import (
    ANSHIN_RULE,
    THEFT_COVER_DELAY_MONTHS,
    THEFT_COVER_KINDS,
    THEFT_RULE,
    AnshinChangeResult,
    TheftCoverResult,
    anshin_change,
    default_anshin_target,
    premium_theft_cover_start,
)
from bot.engine.rental.billing import (
    CARD_CHANGE_RULE,
    CARD_HOW_RULE,
    CARD_SETTLEMENT_DAY_RULE,
    LEGACY_CUTOFF,
    MONTHLY_FEE_RULE,
    OMATOME_PREPAID_RULE,
    PAYMENT_CHANGE_RULE,
    RECEIPT_CARD_RULE,
    RECEIPT_NON_CARD_RULE,
    RECEIPT_RULE,
    TO_CARD_RULE,
    CardChangeResult,
    MonthlyChargeResult,
    PaymentChangeResult,
    ReceiptResult,
    card_change,
    default_payment_target,
    legacy_note,
    monthly_charge,
    payment_method_change,
    receipt,
)
from bot.engine.rental.days import CANCEL_DEADLINE_DAY, CHANGE_LAST_DAY, SETTLEMENT_DAY
from bot.engine.rental.ending import (
    CANCEL_NOTES,
    DEPOCOMI_MONTHS,
    GENERAL_CANCEL_RULE,
    GENERAL_REFUND_RULE,
    PLAN_CHANGE_FEE,
    PLAN_CHANGE_NOTES,
    STANDARD_COURSE_RULE,
    CancellationResult,
    PlanChangeResult,
    RefundResult,
    cancellation_end_date,
    plan_change,
    refunds,
)

CONTRACT = RentalContract
