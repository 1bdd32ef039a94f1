"""The date a customer names (今日, 明後日, 来週の月曜, 今月末, 来月, 20日, 2月3日, 2027年2月3日, 十二月十八日…),
resolved relative to `today` (always passed in: never the clock). Pure functions of the text."""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Callable, Optional

from bot.nlu.numerals import alt as _alt, prepare as _prepare

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
