"""Account-specific answers: load the verified customer's account, pick the contract, call the engine.

The chat actions (actions/account.py) stay thin: they find out who the customer is
(bot.identity), then call `answer()` for a verified customer or `general_answer()` for an
anonymous one, and send the Reply. Every figure and rule comes from bot.engine; this module only
chooses which engine function answers which question and puts the results into sentences.

Question keys: intent `account_<key>`, action `action_account_<key>` (see QUESTIONS).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Callable, Optional

from bot.engine import haas as hx
from bot.engine import license_maintenance as lm
from bot.engine import phone_answering as pa
from bot.engine import remote_support as rs
from bot.engine import rental as rt
from bot.engine.calendar import month_end
from bot.engine.contracts import (
    ANSHIN_NAMES,
    COURSE_NAMES,
    PAYMENT_NAMES,
    SERVICE_NAMES,
    Account,
    Anshin,
    Contract,
    HaasContract,
    LicenseMaintenanceContract,
    Payment,
    PhoneAnsweringContract,
    RemoteSupportContract,
    RentalContract,
    Service,
)
from bot.engine.format import jdate
from bot.engine.money import Price
from bot import settings
from bot.identity import mask_phone

# ---- contacts (apologies and lockouts name the right one; data: bot/support/contacts.yml) ---

def contacts_text(service: Optional[Service] = None) -> str:
    """The service's contact with its hours (all services when unknown)."""
    from bot.support import contacts

    now = settings.now()
    wanted = [service.value] if service is not None else list(contacts.SERVICES)
    found = [contacts.contact_for(s) for s in wanted]
    return "\n".join(c.describe(now) for c in found if c is not None)


def apology(service: Optional[Service] = None) -> str:
    """What the customer reads when the accounts database (or anything else) fails."""
    try:
        where = contacts_text(service)
    except Exception:  # the contact list itself must never turn an apology into silence
        where = ""
    return (
        "申し訳ございません。ただいまご契約情報を確認できません。しばらくしてからもう一度お試しいただくか、"
        "下記の窓口へお問い合わせください。" + (f"\n{where}" if where else "")
    )


# ---- replies ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: tuple[Button, ...] = ()
    pending: Optional[str] = None      # the question to remember (contract choice / verification)


VERIFY_BUTTONS = (Button("本人確認する", "/request_verification"), Button("結構です", "/decline_verification"))


@dataclass(frozen=True)
class Params:
    """What the question itself says beyond its intent (parsed from the customer's text)."""

    count: int = 1                     # licences / numbers to add
    anshin: Optional[Anshin] = None    # requested 安心サポート
    payment: Optional[Payment] = None  # requested payment method
    contracts: tuple[str, ...] = ()    # all_contracts questions: the contract numbers to cover

    def with_contracts(self, contracts: list[Contract]) -> "Params":
        return Params(count=self.count, anshin=self.anshin, payment=self.payment,
                      contracts=tuple(c.contract_no for c in contracts))

    def encode(self) -> str:
        parts = [f"n={self.count}"]
        if self.anshin:
            parts.append(f"a={self.anshin.value}")
        if self.payment:
            parts.append(f"p={self.payment.value}")
        return ",".join(parts)

    @classmethod
    def decode(cls, text: str) -> "Params":
        values = dict(p.split("=", 1) for p in text.split(",") if "=" in p)
        try:
            count = max(1, min(99, int(values.get("n", "1"))))
        except ValueError:
            count = 1
        anshin = next((a for a in Anshin if a.value == values.get("a")), None)
        payment = next((p for p in Payment if p.value == values.get("p")), None)
        return cls(count=count, anshin=anshin, payment=payment)


_KANJI = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10,
          "ひと": 1, "ふた": 2, "みっ": 3, "よっ": 4, "いつ": 5}


def count_in_text(text: str) -> int:
    """'ライセンスを2つ追加' -> 2, '二本' -> 2, 'ふたつ' -> 2; 1 when no count is given."""
    t = unicodedata.normalize("NFKC", text or "")
    m = re.search(r"(\d{1,2})\s*(?:つ|個|本|ライセンス|件|番号|回線|口|台|ライセンス分)", t)
    if m:
        return max(1, int(m.group(1)))
    m = re.search(r"(一|二|三|四|五|六|七|八|九|十)\s*(?:つ|個|本|件|番号|回線|台)", t)
    if m:
        return _KANJI[m.group(1)]
    m = re.search(r"(ひと|ふた|みっ|よっ|いつ)つ", t)
    if m:
        return _KANJI[m.group(1)]
    return 1


def parse_params(text: str) -> Params:
    t = unicodedata.normalize("NFKC", text or "").lower()
    anshin = None
    if "解除" in t or "外し" in t or "やめ" in t or "なくし" in t:
        anshin = Anshin.NONE
    elif "premium" in t or "プレミアム" in t:
        anshin = Anshin.PREMIUM_SIM if "sim" in t else Anshin.PREMIUM
    elif "for sim" in t or "forsim" in t:
        anshin = Anshin.SIM
    elif "標準" in t or "スタンダード" in t or "普通の" in t:
        anshin = Anshin.STANDARD
    payment = None
    if "カード" in t or "クレカ" in t or "card" in t:
        payment = Payment.CARD
    elif "コンビニ" in t or "atone" in t:
        payment = Payment.KONBINI
    elif "請求書" in t or "np" in t:
        payment = Payment.INVOICE
    return Params(count=count_in_text(text), anshin=anshin, payment=payment)


# ---- contract labels -------------------------------------------------------------------------

def contract_label(contract: Contract) -> str:
    if isinstance(contract, RemoteSupportContract):
        return f"{contract.contract_no} リモートサポート"
    if isinstance(contract, LicenseMaintenanceContract):
        return f"{contract.contract_no} ライセンス保守({contract.licenses}ライセンス)"
    if isinstance(contract, HaasContract):
        return f"{contract.contract_no} {contract.product}"
    if isinstance(contract, RentalContract):
        return f"{contract.contract_no} {contract.device}({contract.plan})"
    if isinstance(contract, PhoneAnsweringContract):
        return f"{contract.contract_no} 電話代行"
    return contract.contract_no


def contract_details(contract: Contract, today: date) -> str:
    """One line per contract for 契約内容 (phone numbers masked)."""
    if isinstance(contract, RemoteSupportContract):
        state = f"{jdate(contract.end)}解約" if contract.end else "ご利用中"
        return (f"リモートサポート(契約番号{contract.contract_no}): {jdate(contract.start)}開始、{state}、"
                f"月額{rs.MONTHLY_FEE.quoted}")
    if isinstance(contract, LicenseMaintenanceContract):
        status = lm.maintenance_status(contract, today)
        state = f"保守期間中({jdate(status.last_day)}まで)" if status.active else f"保守は{jdate(status.last_day)}で満了"
        return (f"ライセンス保守(契約番号{contract.contract_no}): {contract.licenses}ライセンス、"
                f"1ライセンス{Price.from_excl(contract.unit_price).quoted}、{jdate(contract.purchased)}ご購入、{state}")
    if isinstance(contract, HaasContract):
        return (f"Linuxmania HaaS(契約番号{contract.contract_no}): {contract.product}、{jdate(contract.purchased)}ご購入、"
                f"保証書番号{contract.warranty_no}、ハンズオンご利用{contract.handson_used}回")
    if isinstance(contract, RentalContract):
        anshin = ANSHIN_NAMES[contract.anshin]
        return (f"レンタル端末/SIM(契約番号{contract.contract_no}): {contract.device}、{contract.plan}、"
                f"月額{Price.from_incl(contract.monthly_fee).quoted}、{COURSE_NAMES[contract.course]}、"
                f"安心サポート: {anshin}、{PAYMENT_NAMES[contract.payment]}")
    if isinstance(contract, PhoneAnsweringContract):
        start = jdate(contract.start) if contract.start else "番号のご通知時"
        numbers = "、".join(f"{mask_phone(n.number)}({'転送' if n.use.value == 'forward' else '表記'})"
                           for n in contract.numbers) or "なし"
        return (f"電話代行(契約番号{contract.contract_no}): 利用開始{start}、基本料金"
                f"{Price.from_incl(contract.base_fee).quoted}、お貸し出し番号{numbers}")
    return contract.contract_no


# ---- the questions ---------------------------------------------------------------------------

Answer = Callable[[Account, Optional[Contract], date, Params], str]


@dataclass(frozen=True)
class Question:
    key: str
    title: str                                   # what we look up, for offers and prompts
    services: tuple[Service, ...]                # services whose contracts the question is about
    answer: Answer
    general: Callable[[date], str]               # the general rule, for anonymous customers
    needs_contract: bool = True                  # False: answers from the account (eligibility)
    all_contracts: bool = False                  # True: one answer about every contract (no choice)

    @property
    def service(self) -> Optional[Service]:
        return self.services[0] if len(self.services) == 1 else None


# リモートサポート ----------------------------------------------------------------------------

def _rs_eligibility(account: Account, contract: Optional[Contract], today: date, p: Params) -> str:
    return rs.eligibility(account, today).describe()


def _rs_cancel(account: Account, contract: Optional[Contract], today: date, p: Params) -> str:
    assert isinstance(contract, RemoteSupportContract)
    if contract.end is not None and contract.end < today:
        return (f"このご契約は{jdate(contract.end)}に解約済みです。最終月も月額{rs.MONTHLY_FEE.quoted}の満額ご請求でした。"
                "再契約も可能です。")
    return rs.cancellation_end_date(contract, today).describe()


def _rs_charges(account: Account, contract: Optional[Contract], today: date, p: Params) -> str:
    assert isinstance(contract, RemoteSupportContract)
    result = rs.charges_to_date(contract, today)
    return f"{jdate(contract.start)}のご利用開始から、{result.describe()}"


# ライセンス保守 -----------------------------------------------------------------------------

def _lm_renewal(account: Account, contract: Optional[Contract], today: date, p: Params) -> str:
    assert isinstance(contract, LicenseMaintenanceContract)
    result = lm.renewal_fee(contract, today)
    text = result.describe()
    if result.possible:
        text += (f"{jdate(result.new_start)}の納品をご希望の場合、ご入金期限は{jdate(result.payment_deadline)}です"
                 f"(更新のご案内メールは{jdate(result.notice_around)}ごろお送りします)。")
    else:
        text += lm.rejoin_fee(contract, today).describe()
    return text


def _lm_rejoin(account: Account, contract: Optional[Contract], today: date, p: Params) -> str:
    assert isinstance(contract, LicenseMaintenanceContract)
    return lm.rejoin_fee(contract, today).describe()


def _lm_add(account: Account, contract: Optional[Contract], today: date, p: Params) -> str:
    assert isinstance(contract, LicenseMaintenanceContract)
    return lm.add_licenses_fee(contract, today, p.count).describe()


def _lm_payment_deadline(account: Account, contract: Optional[Contract], today: date, p: Params) -> str:
    assert isinstance(contract, LicenseMaintenanceContract)
    renewal = lm.renewal_fee(contract, today)
    if renewal.possible:
        deadline = lm.payment_deadline(renewal.new_start)
        return (f"保守の更新料{renewal.fee.both}は、更新後の保守開始日{jdate(renewal.new_start)}に納品をご希望の場合、"
                f"お支払い期限は{deadline.describe()}")
    rejoin = lm.rejoin_fee(contract, today)
    return (f"保守期間は{jdate(lm.maintenance_end(contract.maintenance_start))}で満了しているため、お支払いは再加入の費用となります。"
            f"{rejoin.describe()}{lm.PAYMENT_RULE}")


def _lm_status(account: Account, contract: Optional[Contract], today: date, p: Params) -> str:
    assert isinstance(contract, LicenseMaintenanceContract)
    return lm.maintenance_status(contract, today).describe() + lm.residual_value(contract, today).describe()


def _lm_incidents(account: Account, contract: Optional[Contract], today: date, p: Params) -> str:
    assert isinstance(contract, LicenseMaintenanceContract)
    return lm.incidents(contract, today).describe()


# Linuxmania HaaS ----------------------------------------------------------------------------

def _hx_handson(account: Account, contract: Optional[Contract], today: date, p: Params) -> str:
    assert isinstance(contract, HaasContract)
    result = hx.handson(contract, today)
    return f"{contract.product}({jdate(contract.purchased)}ご購入、ご利用済み{result.used}回): {result.describe()}"


def _hx_eligibility(account: Account, contract: Optional[Contract], today: date, p: Params) -> str:
    return hx.eligibility(account, today).describe()


# レンタル端末/SIM ----------------------------------------------------------------------------

def _rt_cancel(account: Account, contract: Optional[Contract], today: date, p: Params) -> str:
    assert isinstance(contract, RentalContract)
    return rt.cancellation_end_date(contract, today).describe()


def _rt_plan_change(account: Account, contract: Optional[Contract], today: date, p: Params) -> str:
    assert isinstance(contract, RentalContract)
    return f"現在のプランは{contract.plan}です。" + rt.plan_change(contract, today).describe()


def _rt_deposit(account: Account, contract: Optional[Contract], today: date, p: Params) -> str:
    assert isinstance(contract, RentalContract)
    cancel = rt.cancellation_end_date(contract, today)
    end = cancel.end if cancel.accepted else cancel.end_if_next_possible
    when = (f"本日解約を申請された場合の終了日は{jdate(end)}で、" if cancel.accepted
            else f"本日(25日)は解約申請ができないため、明日以降の申請で終了日は{jdate(end)}となり、")
    text = f"{COURSE_NAMES[contract.course]}のご契約です。{when}{rt.refunds(contract, end).rule}"
    if contract.course.value == "depocomi":
        completes = rt.refunds(contract, end).depocomi_completes_on
        text += f"デポコミ期間の満了日は{jdate(completes)}です。"
    return text


def _rt_theft(account: Account, contract: Optional[Contract], today: date, p: Params) -> str:
    assert isinstance(contract, RentalContract)
    result = rt.premium_theft_cover_start(contract)
    text = result.describe()
    if result.cover_starts is not None:
        state = "すでに補償の対象です。" if today >= result.cover_starts else "まだ補償開始前です。"
        text = f"{ANSHIN_NAMES[contract.anshin]}のご利用開始は{jdate(result.use_began)}です。{text}本日時点では{state}"
    return text


def _rt_anshin(account: Account, contract: Optional[Contract], today: date, p: Params) -> str:
    assert isinstance(contract, RentalContract)
    head = f"現在の安心サポートは「{ANSHIN_NAMES[contract.anshin]}」です。"
    if p.anshin is not None and p.anshin != contract.anshin:
        return head + rt.anshin_change(contract, today, p.anshin).describe()
    # No target named: whether a change (from next month) or a removal (end of this month) is possible today.
    other = Anshin.STANDARD if contract.anshin != Anshin.STANDARD else Anshin.PREMIUM
    change = rt.anshin_change(contract, today, other)
    if change.possible:
        removal = (f"、解除は{jdate(month_end(today))}で" if contract.anshin != Anshin.NONE else "")
        return (head + f"本日お申し込みいただけます。変更は{jdate(change.effective)}から適用{removal}となります。"
                + rt.ANSHIN_RULE + rt.THEFT_RULE)
    when = f"次は{jdate(change.next_possible)}からお申し込みいただけます。" if change.next_possible else ""
    return head + f"本日は安心サポートの変更・解除のお手続きはできません。{when}{change.rule}"


def _rt_payment(account: Account, contract: Optional[Contract], today: date, p: Params) -> str:
    assert isinstance(contract, RentalContract)
    requested = p.payment
    if requested is None or requested == contract.payment:
        requested = Payment.CARD if contract.payment != Payment.CARD else Payment.KONBINI
    head = f"現在のお支払い方法は{PAYMENT_NAMES[contract.payment]}です。"
    return head + rt.payment_method_change(contract, today, requested).describe()


def _rt_receipt(account: Account, contract: Optional[Contract], today: date, p: Params) -> str:
    assert isinstance(contract, RentalContract)
    return f"お支払い方法は{PAYMENT_NAMES[contract.payment]}です。" + rt.receipt(contract).describe()


# 電話代行 -----------------------------------------------------------------------------------

def _pa_add_numbers(account: Account, contract: Optional[Contract], today: date, p: Params) -> str:
    assert isinstance(contract, PhoneAnsweringContract)
    now = pa.monthly_fee(contract, today)
    after = pa.add_numbers_fee(contract, today, p.count)
    return (f"現在の月額は{now.total.quoted}(お貸し出し番号{now.numbers}件)です。番号を{p.count}件追加すると、"
            + after.describe())


def _pa_trial(account: Account, contract: Optional[Contract], today: date, p: Params) -> str:
    contracts = [c for c in account.of_service(Service.PHONE_ANSWERING) if isinstance(c, PhoneAnsweringContract)]
    used = next((c for c in contracts if c.trial_used), contracts[0] if contracts else None)
    return pa.trial(used, today).describe()


def _pa_fee(account: Account, contract: Optional[Contract], today: date, p: Params) -> str:
    assert isinstance(contract, PhoneAnsweringContract)
    return pa.monthly_fee(contract, today).describe()


def _pa_cancel(account: Account, contract: Optional[Contract], today: date, p: Params) -> str:
    assert isinstance(contract, PhoneAnsweringContract)
    result = pa.cancellation(contract, today)
    used = f"ご利用開始から{result.months_used}か月です。" if result.months_used is not None else ""
    return used + result.describe()


# every service ------------------------------------------------------------------------------

def _summary(account: Account, contract: Optional[Contract], today: date, p: Params) -> str:
    contracts = [c for c in account.contracts if c.contract_no in p.contracts] if p.contracts else list(account.contracts)
    lines = "\n".join(f"・{contract_details(c, today)}" for c in contracts)
    return f"{account.name}様のご契約内容です。\n{lines}"


def _monthly_bill(account: Account, contract: Optional[Contract], today: date, p: Params) -> str:
    month = f"{today.year}年{today.month}月"
    if isinstance(contract, RemoteSupportContract):
        return f"{month}分のリモートサポート: " + rs.monthly_charge(contract, today).describe()
    if isinstance(contract, RentalContract):
        return (f"{month}分のレンタル({contract.device}、{contract.plan})の月額料金は"
                f"{Price.from_incl(contract.monthly_fee).both}です。プラン変更などの手数料がある場合は別途加算されます。")
    if isinstance(contract, PhoneAnsweringContract):
        return f"{month}分の電話代行: " + pa.monthly_fee(contract, today).describe()
    return "このご契約には月額料金はありません。"


# general rules for anonymous customers ------------------------------------------------------

def _g(text: str) -> Callable[[date], str]:
    return lambda today: text


GENERAL_CANCEL_RT = (
    "レンタル端末/SIMの解約はマイページから端末ごとに申請します。15日までの申請は当月末、16日以降の申請は"
    "翌月末での解約となり(当社の運用方針)、毎月25日は申請できません。"
)

QUESTIONS: dict[str, Question] = {q.key: q for q in [
    Question("rs_eligibility", "リモートサポートをご利用いただけるか", (Service.REMOTE_SUPPORT,), _rs_eligibility,
             _g(rs.eligibility(Account(id="-", name="-", phone="-", internet_line=None), date(2000, 1, 1)).rule
                + f"当社インターネットをご利用の場合は1回線につき1契約、月額{rs.MONTHLY_FEE.quoted}でお申し込みいただけます。"),
             needs_contract=False),
    Question("rs_cancel_this_month", "今月解約した場合の終了日と今月分の料金", (Service.REMOTE_SUPPORT,), _rs_cancel,
             _g(rs.FULL_MONTH_RULE + "最低利用期間や解約時の違約金はありません。解約のご連絡は"
                f"{rs.CONTACT_PHONE}へお願いします。")),
    Question("rs_charges_to_date", "これまでのリモートサポートのご請求", (Service.REMOTE_SUPPORT,), _rs_charges,
             _g(rs.FULL_MONTH_RULE + "料金はケーブルテレビ局からインターネット料金と一緒にご請求します。")),
    Question("lm_renewal_fee", "保守の更新料と期限", (Service.LICENSE_MAINTENANCE,), _lm_renewal,
             _g("保守の更新料はライセンス料の20%×ライセンス数(税別)で、満了前にお支払いいただくと満了日から1年間延長されます。"
                "更新はメールでお申し込みいただき、" + lm.PAYMENT_RULE)),
    Question("lm_rejoin_fee", "再加入の費用", (Service.LICENSE_MAINTENANCE,), _lm_rejoin,
             _g("保守が切れた後の再加入では、再加入日のライセンス残存価値を100%にする差額(ライセンス料×(100%−残存価値))"
                "をお支払いいただき、その日から1年間保守を受けられます。"
                "当社の運用方針により、残存価値は保守開始日から1年で20%(6か月で10%)下がるものとして計算します。")),
    Question("lm_add_licenses", "ライセンス追加の費用", (Service.LICENSE_MAINTENANCE,), _lm_add,
             _g("保守期間中にライセンスを追加する場合は、追加ライセンス料に加えて既存ライセンスの残存価値を100%にする差額"
                "をお支払いいただき、すべてのライセンスが追加日から1年間保守を受けられます(6か月経過なら差額は10%です)。")),
    Question("lm_payment_deadline", "保守更新のお支払い期限", (Service.LICENSE_MAINTENANCE,), _lm_payment_deadline,
             _g("ライセンス保守の更新・再加入の" + lm.PAYMENT_RULE + "ご入金確認後、新しいライセンスキーと会員IDをメールでお送りします。")),
    Question("lm_maintenance_status", "保守期間", (Service.LICENSE_MAINTENANCE,), _lm_status,
             _g("ライセンス保守はご購入(または更新・再加入)の日から1年間有効です。更新しない場合は満了日の翌日から"
                "会員IDが無効となり、アップデートやメールサポートはご利用いただけません(ソフトウェアはそのまま使えます)。")),
    Question("lm_incidents", "インシデントの残り回数", (Service.LICENSE_MAINTENANCE,), _lm_incidents,
             _g("インシデントの有効期限は購入日から1年間です。1コールが30分を超える場合は別コールとして扱います。"
                "ご予約はメールのみで、お電話では受け付けていません。")),
    Question("hx_handson_free", "ハンズオンの無料回数", (Service.HAAS,), _hx_handson,
             _g("ハンズオンはご購入から1か月以内、最大3回まで無料で、それ以降は有料(都度お見積り、クレジットカード払いのみ)です。")),
    Question("hx_eligibility", "Linuxmania サポートの対象か", (Service.HAAS,), _hx_eligibility,
             _g("HaaS(電話・メールサポート、ハンズオン、ハンズバイ)はLinuxmania製品をお買い上げのお客様が対象です。"
                "他社製品は対象外です。"), needs_contract=False),
    Question("rt_cancel_end", "解約した場合の終了日", (Service.RENTAL,), _rt_cancel, _g(GENERAL_CANCEL_RT)),
    Question("rt_plan_change", "プラン変更ができるか", (Service.RENTAL,), _rt_plan_change,
             _g("プラン変更は毎月1日～15日にマイページから受け付け、翌月から適用されます。手数料は"
                f"{rt.PLAN_CHANGE_FEE.both}です。" + rt.PLAN_CHANGE_NOTES)),
    Question("rt_deposit_refund", "デポジットの返金", (Service.RENTAL,), _rt_deposit,
             _g("デポコミ(12か月のデポジットコミット)期間を満了せずに解約・プラン変更された場合、デポジットはご返金できません。"
                "おまとめコースの残り期間分もご返金できません。")),
    Question("rt_theft_cover", "紛失・盗難補償の開始日", (Service.RENTAL,), _rt_theft, _g(rt.THEFT_RULE)),
    Question("rt_anshin_change", "安心サポートの変更", (Service.RENTAL,), _rt_anshin, _g(rt.ANSHIN_RULE)),
    Question("rt_payment_change", "お支払い方法の変更", (Service.RENTAL,), _rt_payment,
             _g("お支払い方法は、コンビニ払い(atone)・請求書払い(NP)からクレジットカード払いへの変更のみ承っています。"
                "クレジットカード払いから他のお支払い方法へは変更できません。")),
    Question("rt_receipt", "領収証の発行", (Service.RENTAL,), _rt_receipt,
             _g("領収証はクレジットカード払いの場合のみ、マイページ「ダウンロード」>『領収証』から発行できます。")),
    Question("pa_add_number", "番号追加後の月額", (Service.PHONE_ANSWERING,), _pa_add_numbers, _g(pa.NUMBER_RULE)),
    Question("pa_trial", "無料お試しのご利用", (Service.PHONE_ANSWERING,), _pa_trial,
             _g("無料お試しは10日間、お一人様(1社)1回限りで、期間内にご利用を終了されれば料金は一切かかりません。"
                "イベントや求人の時期に合わせたご利用は対象外です。"), needs_contract=False),
    Question("pa_monthly_fee", "電話代行の月額", (Service.PHONE_ANSWERING,), _pa_fee,
             _g("電話代行の月額はご契約プランの基本料金に、2件目以降のお貸し出し番号1件につき1,100円(税込)が加算されます。")),
    Question("pa_cancel_penalty", "解約の違約金", (Service.PHONE_ANSWERING,), _pa_cancel,
             _g("電話代行は3か月以上のご利用を想定していますが、3か月未満でご解約されても違約金や追加料金はかかりません。")),
    Question("contract_summary", "ご契約内容", tuple(Service), _summary,
             _g("ご契約内容(契約番号、プラン、料金など)はご本人確認のうえでご案内しています。"), all_contracts=True),
    Question("monthly_bill", "今月のご請求", (Service.REMOTE_SUPPORT, Service.RENTAL, Service.PHONE_ANSWERING),
             _monthly_bill,
             _g(f"月額料金はリモートサポート{rs.MONTHLY_FEE.quoted}(月の途中の開始・解約も満額)、レンタル端末/SIMは"
                "ご契約プランの月額(税込)、電話代行は基本料金+追加番号1件につき1,100円(税込)です。")),
]}


def question(key: str) -> Question:
    return QUESTIONS[key]


# ---- the entry points used by the actions ---------------------------------------------------

def general_answer(key: str, today: date, params: Params = Params(), *, offer: bool = True) -> Reply:
    """An anonymous customer: the general rule, then an offer to check their own case."""
    q = QUESTIONS[key]
    if not offer:
        return Reply(text=q.general(today))
    return Reply(
        text=f"{q.general(today)}\nご本人確認をしていただければ、お客様のご契約に合わせて{q.title}をお調べします。"
        "本人確認をされますか?",
        buttons=VERIFY_BUTTONS,
        pending=f"{key}|{params.encode()}",
    )


def _candidates(account: Account, q: Question, service: Optional[Service]) -> list[Contract]:
    services = q.services
    if service is not None and service in services:
        services = (service,)
    return [c for c in account.contracts if c.service in services]


def choose_contract_reply(key: str, contracts: list[Contract], params: Params, prefix: str = "") -> Reply:
    q = QUESTIONS[key]
    buttons = tuple(
        Button(contract_label(c), f'/choose_contract{{"contract_no":"{c.contract_no}"}}') for c in contracts
    )
    return Reply(text=f"{prefix}{q.title}をお調べするご契約をお選びください。", buttons=buttons,
                 pending=f"{key}|{params.encode()}")


def answer_for_account(account: Account, key: str, today: date, *, contract_no: Optional[str] = None,
                       service: Optional[Service] = None, params: Params = Params()) -> Reply:
    """The answer for this (verified) account; asks which contract when several fit."""
    q = QUESTIONS[key]
    candidates = _candidates(account, q, service)
    prefix = ""
    chosen: Optional[Contract] = None
    if contract_no:
        chosen = next((c for c in candidates if c.contract_no == contract_no), None)
        if chosen is None:
            prefix = f"ご本人確認済みのお客様のご契約に{q.title}の対象となる契約番号{contract_no}は見つかりませんでした。"
    if not q.needs_contract:
        return Reply(text=prefix + q.answer(account, chosen, today, params))
    if q.all_contracts:
        listed = [chosen] if chosen is not None else candidates
        if not listed:
            return Reply(text=prefix + "ご本人確認済みのお客様のアカウントにはご契約が登録されていません。")
        return Reply(text=prefix + q.answer(account, None, today, params.with_contracts(listed)))
    if chosen is None:
        if not candidates:
            names = "、".join(SERVICE_NAMES[s] for s in q.services)
            return Reply(text=prefix + f"ご本人確認済みのお客様には{names}のご契約が見つかりませんでした。"
                         f"一般的なご案内です: {q.general(today)}")
        if len(candidates) > 1:
            return choose_contract_reply(key, candidates, params, prefix)
        chosen = candidates[0]
    return Reply(text=f"{prefix}【{contract_label(chosen)}】{q.answer(account, chosen, today, params)}")


def load_account(account_id: str) -> Optional[Account]:
    from bot.storage.repository import load_account as _load

    return _load(account_id)


def answer(account_id: str, key: str, today: date, *, contract_no: Optional[str] = None,
           service: Optional[Service] = None, params: Params = Params()) -> Reply:
    """Loads the account through the repository (may raise when the database is down)."""
    account = load_account(account_id)
    if account is None:
        return Reply(text="ご契約情報が見つかりませんでした。" + general_answer(key, today, offer=False).text)
    return answer_for_account(account, key, today, contract_no=contract_no, service=service, params=params)


def split_pending(pending: Optional[str]) -> tuple[Optional[str], Params]:
    """'lm_add_licenses|n=2' -> ('lm_add_licenses', Params(count=2)); unknown keys -> (None, Params())."""
    if not pending or not isinstance(pending, str):
        return None, Params()
    key, _, encoded = pending.partition("|")
    if key not in QUESTIONS:
        return None, Params()
    return key, Params.decode(encoded)
