"""What a customer's message says beyond its intent: the date they name, the count they say, and the
安心サポート / payment method they change from and to.

Pure functions of the text (and of `today`, always passed in: never the clock). The text is NFKC-normalised,
lower-cased, and kanji / hiragana numerals are rewritten as digits (十二月十八日 -> 12月18日, ふたつ -> 2つ)
while every character remembers where it came from, so `DateMention.text` is what the customer typed.
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Callable, Iterable, Optional, TypeVar

from kanjize import kanji2number

from bot.engine.contracts import Anshin, Payment
from bot.nlu.normalize import normalize_with_offsets

# ---- vocabulary -------------------------------------------------------------------------------

RELATIVE_DAYS = {"今日": 0, "本日": 0, "きょう": 0, "明日": 1, "あした": 1, "あす": 1, "明後日": 2, "あさって": 2,
                 "明々後日": 3, "しあさって": 3, "昨日": -1, "きのう": -1, "一昨日": -2, "おととい": -2}
MONTH_OFFSETS = {"先月": -1, "今月": 0, "来月": 1, "再来月": 2}
WEEK_OFFSETS = {"今週": 0, "来週": 1, "再来週": 2}
YEAR_OFFSETS = {"今年": 0, "来年": 1, "再来年": 2}
WEEKDAYS = "月火水木金土日"  # date.weekday() order
# part of a month -> (day, exact); 0 is the month's last day
MONTH_PARTS = {"末": (0, True), "中": (0, True), "いっぱい": (0, True), "一杯": (0, True), "頭": (1, False),
               "初め": (1, False), "はじめ": (1, False), "初旬": (1, False), "上旬": (1, False),
               "中旬": (11, False), "下旬": (21, False)}
COUNTERS = ["ライセンス", "回線", "番号", "本", "つ", "個", "件", "台", "口"]
HIRAGANA_COUNTS = {"ひと": 1, "ふた": 2, "みっ": 3, "よっ": 4, "いつ": 5, "むっ": 6, "なな": 7, "やっ": 8, "ここの": 9}
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

# ---- normalised text with source offsets ------------------------------------------------------

_Chars = list[tuple[str, int, int]]  # (character, source start, source end)
_KANJI_NUMBER = re.compile(r"[〇零一二三四五六七八九十百千]+(?=[月日本つ個件週年ラ番回台口かヶヵカケ箇])")
_HIRAGANA_COUNT = re.compile("(%s)つ" % "|".join(HIRAGANA_COUNTS))


def _kanji(match: re.Match[str]) -> str:
    try:
        return str(kanji2number(match.group(0)))
    except Exception:  # not a well-formed numeral (十十): leave it; customer text must never raise
        return match.group(0)


def _rewrite(chars: _Chars, pattern: re.Pattern[str], repl: Callable[[re.Match[str]], str]) -> _Chars:
    text, out, pos = "".join(c for c, _, _ in chars), [], 0
    for m in pattern.finditer(text):
        start, end = chars[m.start()][1], chars[m.end() - 1][2]
        out += chars[pos:m.start()] + [(c, start, end) for c in repl(m)]
        pos = m.end()
    return out + chars[pos:]


def _prepare(text: str) -> tuple[str, _Chars]:
    """The text to match on, and for each of its characters the span of `text` it came from."""
    n = normalize_with_offsets(text or "")
    chars: _Chars = [(low, a, b) for ch, (a, b) in zip(n.text, n.spans) for low in ch.lower()]
    chars = _rewrite(chars, _KANJI_NUMBER, _kanji)
    chars = _rewrite(chars, _HIRAGANA_COUNT, lambda m: f"{HIRAGANA_COUNTS[m.group(1)]}つ")
    return "".join(c for c, _, _ in chars), chars


def _alt(words: Iterable[str]) -> str:
    return "|".join(sorted(words, key=len, reverse=True))  # longest first: 明後日 before 明日

# ---- dates ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DateMention:
    text: str                      # the words the customer used
    value: Optional[date]          # None when the date does not exist (2月30日)
    exact: bool = True             # False for a month or a vague period (来月, 8月の頭, 月初)
    problem: Optional[str] = None  # None or "nonexistent"

    def is_past(self, today: date) -> bool:
        return self.value is not None and self.value < today


_Resolved = Optional[tuple[Optional[date], bool]]  # None: not a date after all; (None, _): nonexistent
# numbers that are never dates: contract numbers, prices, durations (10日間, 3か月, 2週間)
_NOT_DATES = re.compile(r"[a-z]{2,3}-?\d+|\d[\d,]*(?:\.\d+)?\s*(?:円|万)|\d+\s*(?:日(?:間|以内|ほど|くらい|ぐらい|程度|分|あたり|当たり|につき|\d+回)"
                        r"|週間(?![後先])|(?:か|ヶ|ヵ|カ|ケ|箇)月(?:間)?(?![後先])|年間|年目|時間)")


def _ym(today: date, months: int) -> tuple[int, int]:
    k = today.year * 12 + today.month - 1 + months
    return k // 12, k % 12 + 1


def _day(y: int, m: int, d: int) -> Optional[date]:
    """The date, or None when it does not exist; d == 0 is the month's last day."""
    try:
        return date(y, m, d or calendar.monthrange(y, m)[1])
    except (ValueError, OverflowError):
        return None


def _in_month(y: int, m: int, day: Optional[str], part: Optional[str]) -> _Resolved:
    if day:  # 0日 does not exist (and must not read as the month's end)
        return (_day(y, m, int(day)) if int(day) else None), True
    d, exact = MONTH_PARTS[part] if part else (1, False)
    return _day(y, m, d), exact


def _month_day(m: re.Match[str], today: date) -> _Resolved:
    g = m.groupdict()
    month, day, part = int(g["m"]), g["d"], g.get("part")
    if g.get("y"):
        year = int(g["y"])
    elif g.get("yw"):
        year = today.year + YEAR_OFFSETS[g["yw"]]
    else:  # next occurrence: this year unless that day (or month) has passed
        passed = (month, int(day)) < (today.month, today.day) if day else month < today.month
        year = today.year + passed
    return _in_month(year, month, day, part)


def _relative_month(m: re.Match[str], today: date) -> _Resolved:
    y, mo = _ym(today, MONTH_OFFSETS[m["w"]])
    if m["w"] == "今月" and not (m["d"] or m["part"]):
        return today, False  # 今月 alone: the rest of this month, from today
    return _in_month(y, mo, m["d"], m["part"])


def _bare_day(m: re.Match[str], today: date) -> _Resolved:
    d = int(m["d"])
    if not 1 <= d <= 31:
        return None
    for k in range(3):  # the next month that has that day, today included
        found = _day(*_ym(today, k), d)
        if found and found >= today:
            return found, True
    return None


def _later(m: re.Match[str], today: date) -> _Resolved:
    n, unit = int(m["n"]) * (-1 if m["dir"] == "前" else 1), m["unit"]
    if unit == "日" or unit.startswith("週"):
        return today + timedelta(days=n * (7 if unit.startswith("週") else 1)), True
    y, mo = _ym(today, n)
    return _day(y, mo, today.day) or _day(y, mo, 0), True  # 1月31日の1か月後 -> 2月末


def _week(m: re.Match[str], today: date) -> _Resolved:
    monday = today - timedelta(days=today.weekday()) + timedelta(weeks=WEEK_OFFSETS[m["w"]])
    if m["wd"]:
        return monday + timedelta(days=WEEKDAYS.index(m["wd"])), True
    return (monday, False) if m["w"] != "今週" else None


_PART = f"(?P<part>{_alt(MONTH_PARTS)})"
DATE_PATTERNS: list[tuple[str, Callable[[re.Match[str], date], _Resolved]]] = [
    (r"(?<![\d/])(?P<y>\d{4})[/-](?P<m>\d{1,2})[/-](?P<d>\d{1,2})(?![\d/])",
     lambda m, t: _in_month(int(m["y"]), int(m["m"]), m["d"], None)),
    (r"(?<![\d/])(?P<m>\d{1,2})/(?P<d>\d{1,2})(?![\d/])",
     lambda m, t: _month_day(m, t) if 1 <= int(m["m"]) <= 12 and 1 <= int(m["d"]) <= 31 else None),
    (rf"(?<![\d/])(?:(?P<y>\d{{4}})年の?|(?P<yw>{_alt(YEAR_OFFSETS)})の?)?(?P<m>\d{{1,2}})月の?(?:(?P<d>\d{{1,2}})日|{_PART})?", _month_day),
    (rf"(?P<w>{_alt(MONTH_OFFSETS)})の?(?:(?P<d>\d{{1,2}})日|{_PART})?", _relative_month),
    (r"月末", lambda m, t: (_day(t.year, t.month, 0), True)),
    (r"月初め?|月頭", lambda m, t: (t if t.day == 1 else _day(*_ym(t, 1), 1), False)),
    (_alt(RELATIVE_DAYS), lambda m, t: (t + timedelta(days=RELATIVE_DAYS[m[0]]), True)),
    (r"(?<![\d,.])(?P<n>\d{1,4})\s*(?P<unit>日|週間|週|か月|ヶ月|ヵ月|カ月|ケ月|箇月)(?P<dir>後|先|前(?!後))", _later),
    (rf"(?P<w>{_alt(WEEK_OFFSETS)})(?:の?(?P<wd>[{WEEKDAYS}])曜日?)?", _week),
    (rf"(?<!毎週)(?<!毎週の)(?P<wd>[{WEEKDAYS}])曜日?",  # the next one, today included
     lambda m, t: (t + timedelta(days=(WEEKDAYS.index(m["wd"]) - t.weekday()) % 7), True)),
    (r"(?<![\d/,.])(?P<d>\d{1,2})日(?!間|後|先|前(?!後))", _bare_day),
    (r"年末|年内|今年中|今年いっぱい", lambda m, t: (date(t.year, 12, 31), True)),
    (r"年明け|年始|(?<!再)来年", lambda m, t: (_day(t.year + 1, 1, 1), False)),
]
_DATE_RES = [(re.compile(p), resolve) for p, resolve in DATE_PATTERNS]


# 「今月末で解約したいが、今日申請すれば…」: the day an application is made wins over a wished-for end.
_APPLICATION_AFTER = re.compile(r"\s*(?:に|の)?\s*(?:申請|申し込|申込|手続|お手続)")


def mentioned_date(text: str, today: date) -> Optional[DateMention]:
    """The date the text names: the first one (the longest reading where two start at the same place),
    unless a later one is the day of an application (…申請すれば) — that is the one the rules count from."""
    s, chars = _prepare(text)
    s = _NOT_DATES.sub(lambda m: " " * len(m[0]), s)
    found = sorted((m.start(), -m.end(), i, m) for i, (rx, _) in enumerate(_DATE_RES) for m in rx.finditer(s))
    mentions: list[tuple[bool, DateMention]] = []
    taken_until = -1
    for start, _, i, m in found:
        if start < taken_until:      # inside a longer reading already taken
            continue
        try:
            resolved = _DATE_RES[i][1](m, today)
        except OverflowError:  # only for a `today` near date.min / date.max
            resolved = None, True
        if resolved is None:
            continue
        value, exact = resolved
        words = text[chars[start][1]:chars[m.end() - 1][2]]  # as the customer typed it
        mention = DateMention(words, value, exact, None) if value else DateMention(words, None, True, "nonexistent")
        mentions.append((bool(_APPLICATION_AFTER.match(s, m.end())), mention))
        taken_until = m.end()
    if not mentions:
        return None
    return next((m for applied, m in mentions if applied), mentions[0][1])

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
