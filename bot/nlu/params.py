"""What a customer's message says beyond its intent: the date they name (bot.nlu.dates), the count
they say, the 安心サポート / payment method they change from and to, and what they want it for.

Pure functions of the text (and of `today`, always passed in: never the clock); the text is prepared by
bot.nlu.numerals (NFKC, lower case, kanji / hiragana numerals as digits).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Optional, TypeVar

from bot.engine.rental import Anshin, Payment
from bot.nlu.dates import DateMention, mentioned_date
from bot.nlu.numerals import prepare as _prepare

__all__ = ["DateMention", "mentioned_date", "CountMention", "mentioned_count", "additional", "anshin_change",
           "payment_change", "mentioned_purpose", "Params", "parse_params"]

# ---- vocabulary -------------------------------------------------------------------------------

COUNTERS = ["ライセンス", "回線", "番号", "本", "つ", "個", "件", "台", "口"]
ANSHIN_WORDS = [  # most specific first; None is the family name 安心サポート
    (r"(?:安心サポート\s*)?(?:premium|プレミアム)\s*(?:for|フォー)?\s*sim", Anshin.PREMIUM_SIM),
    (r"(?:安心サポート\s*)?(?:premium|プレミアム)", Anshin.PREMIUM),
    (r"(?:安心サポート\s*)?(?:for\s*sim|フォーシム)|sim\s*(?:用|向け)(?:の安心サポート)?", Anshin.SIM),
    (r"(?:標準|スタンダード|ノーマル)(?:の?安心サポート)?|(?:普通|ふつう)の(?:安心サポート|(?=に|へ|やつ|もの|ほう|方))|通常の?安心サポート",
     Anshin.STANDARD),
    (r"安心サポート\s*(?:なし|無し)", Anshin.NONE),
    (r"安心サポート", None),
]
PAYMENT_WORDS = [
    # カード情報/カード番号 are the card's details, not the payment method; SIMカード is a device
    (r"(?:クレジットカード|クレジット(?!カード)|クレカ|(?<!sim)カード|(?<![a-z])card(?![a-z]))(?!\s*(?:の)?(?:情報|番号|有効期限))",
     Payment.CARD),
    (r"コンビニ|(?<![a-z])atone(?![a-z])|アトネ", Payment.KONBINI),
    (r"請求書|(?<![a-z])np(?![a-z])|後払い", Payment.INVOICE),
]
# words of stopping (not a bare 外 or なく: 海外, 問題なく)
_STOP = r"(?:やめ|止め|辞め|解除|外し|外す|はずし|はずす|なくし|なくす|無くし|解約|取り?消|キャンセル|停止|いらな|要らな|不要)"

# ---- counts -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CountMention:
    n: int
    total: bool  # True: reach this total (3件に増やす, 合計4本); False: add n (2本追加, もう1本)


_COUNT = re.compile(r"(?<![\d,.\-/a-z])(\d{1,4})\s*(?:%s)" % "|".join(COUNTERS))
_TOTAL_BEFORE = re.compile(r"(?:合計|全部で|計|トータルで?|総数|全体で)\s*$")
_TOTAL_AFTER = re.compile(r"\s*(?:に(?!追加|つい|関|は)|へ|まで)")
_ADD_BEFORE = re.compile(r"(?:もう|あと|さらに|追加で?|プラス)\s*$")
_ADD_AFTER = re.compile(r"\s*(?:を|だけ|ほど|くらい|ぐらい)?\s*(?:追加|増や|足|プラス|買い足)")
_STATE_BEFORE = re.compile(r"(?:今|いま|現在)(?:は)?\s*$")  # 「今2本ですが」: what they have, not what they want


def mentioned_count(text: str) -> Optional[CountMention]:
    """A total (3本にしたい) wins over an addition (2本追加), which wins over a bare count (3本)."""
    s = _prepare(text)[0]
    ranked: list[tuple[int, CountMention]] = []
    for m in _COUNT.finditer(s):
        before, after, n = s[max(0, m.start() - 6):m.start()], s[m.end():], int(m[1])
        if _TOTAL_BEFORE.search(before) or _TOTAL_AFTER.match(after):
            ranked.append((0, CountMention(n, True)))
        elif _ADD_BEFORE.search(before) or _ADD_AFTER.match(after):
            ranked.append((1, CountMention(n, False)))
        elif not _STATE_BEFORE.search(before):
            ranked.append((2, CountMention(n, False)))
    return min(ranked, key=lambda r: r[0])[1] if ranked else None


def additional(count: Optional[CountMention], current: int) -> int:
    """How many to add: 1 when no count was said; may be 0 or negative for a total (the caller says so)."""
    if count is None:
        return 1
    return count.n - current if count.total else count.n

# ---- changes of 安心サポート and payment method ------------------------------------------------

E = TypeVar("E")
_FILLER = re.compile(r"(?:\s|\([^()]*\)|[()「」『』・]|安心サポート|サポート|プラン|版|支払い|払い|決済)*")
_TARGET_AFTER = re.compile(r"に(?!つい|関|は)|へ|を?(?:申し?込|加入|入り|入れ|つけ|付け|追加|希望)|でお願い")
_CURRENT_AFTER = re.compile(r"から|より|以外|→|->|⇒|[をはが]?\s*" + _STOP)
_NOW_BEFORE = re.compile(r"(?:今|いま|現在|自分の|うちの|私の|わたしの|契約中?の)(?:は|の)?\s*$")  # what they have


def _change(s: str, words: list[tuple[re.Pattern[str], Optional[E]]], family: Optional[E],
            removal: bool = False) -> tuple[Optional[E], Optional[E]]:
    """(current, target): the one before に/へ is the target, the one before から/をやめて the current.
    Of mentions with neither, the last is the target (コンビニ払い カード払い 変更), or in a removal (外したい)
    the first is the current one."""
    mentions = sorted((m.start(), -m.end(), i, value) for i, (rx, value) in enumerate(words) for m in rx.finditer(s))
    current: Optional[tuple[int, E]] = None
    target: Optional[tuple[int, E]] = None
    unknown: list[tuple[int, E]] = []
    last_end = -1
    for start, neg_end, _, value in mentions:
        if start < last_end:
            continue  # inside a longer mention (安心サポートPremium)
        last_end = -neg_end
        after = s[-neg_end:]
        after = after[_FILLER.match(after).end():]  # type: ignore[union-attr]
        if _TARGET_AFTER.match(after):
            target = target or (start, value if value is not None else family)  # type: ignore[assignment]
        elif value is None:
            continue  # the family name alone says nothing about which one they have
        elif _CURRENT_AFTER.match(after) or _NOW_BEFORE.search(s[:start]):
            current = current or (start, value)
        else:
            unknown.append((start, value))
    if removal and target is None and current is None and unknown:
        current = unknown[0]
    elif target is None and unknown:
        target = next((u for u in reversed(unknown) if current is None or u[0] > current[0]), None)
    if current is None and target is not None:
        current = next((u for u in unknown if u[0] < target[0] and u[1] != target[1]), None)
    return (current[1] if current else None), (target[1] if target else None)


_ANSHIN_RES = [(re.compile(p), value) for p, value in ANSHIN_WORDS]
_PAYMENT_RES = [(re.compile(p), value) for p, value in PAYMENT_WORDS]
_REMOVAL = re.compile(_STOP)


def anshin_change(text: str) -> tuple[Optional[Anshin], Optional[Anshin]]:
    """(current named, target named); a removal with no target named has the target Anshin.NONE."""
    s = _prepare(text)[0]
    removal = bool(_REMOVAL.search(s))
    current, target = _change(s, _ANSHIN_RES, Anshin.STANDARD, removal)
    if target is None and removal and any(rx.search(s) for rx, _ in _ANSHIN_RES):
        target = Anshin.NONE
    return current, target


def payment_change(text: str) -> tuple[Optional[Payment], Optional[Payment]]:
    """(current named, target named): カードから請求書に -> (CARD, INVOICE)."""
    return _change(_prepare(text)[0], _PAYMENT_RES, None)

# ---- everything at once -----------------------------------------------------------------------


@dataclass(frozen=True)
class Params:
    count: Optional[CountMention] = None
    on: Optional[DateMention] = None
    anshin_from: Optional[Anshin] = None
    anshin_to: Optional[Anshin] = None
    payment_from: Optional[Payment] = None
    payment_to: Optional[Payment] = None
    purpose: Optional[str] = None      # "event" | "recruiting": what the customer wants a service for


# Purposes the 電話代行 trial excludes (seed 004: イベントや求人広告の時期に合わせてのご利用).
_PURPOSES = (("event", re.compile(r"イベント|催し|展示会|キャンペーン")),
             ("recruiting", re.compile(r"求人|採用|募集|リクルート")))


def mentioned_purpose(text: str) -> Optional[str]:
    """「イベント期間だけ」 -> "event", 「求人広告を出す時期」 -> "recruiting", else None."""
    s = _prepare(text)[0]
    return next((name for name, rx in _PURPOSES if rx.search(s)), None)


def parse_params(text: str, today: date) -> Params:
    anshin_from, anshin_to = anshin_change(text)
    payment_from, payment_to = payment_change(text)
    return Params(mentioned_count(text), mentioned_date(text, today), anshin_from, anshin_to, payment_from, payment_to,
                  mentioned_purpose(text))
