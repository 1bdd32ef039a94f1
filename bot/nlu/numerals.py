"""Customer text made ready for matching: NFKC, lower case, kanji and hiragana numerals as digits
(十二月十八日 -> 12月18日, ふたつ -> 2つ), each character remembering the span of the original it came
from (so a mention can be quoted as the customer typed it). Shared by bot.nlu.dates and bot.nlu.params."""
from __future__ import annotations

import re
from typing import Callable, Iterable

from kanjize import kanji2number

from bot.nlu.normalize import normalize_with_offsets

HIRAGANA_COUNTS = {"ひと": 1, "ふた": 2, "みっ": 3, "よっ": 4, "いつ": 5, "むっ": 6, "なな": 7, "やっ": 8, "ここの": 9}


Chars = list[tuple[str, int, int]]  # (character, source start, source end)
_KANJI_NUMBER = re.compile(r"[〇零一二三四五六七八九十百千]+(?=[月日本つ個件週年ラ番回台口かヶヵカケ箇])")
_HIRAGANA_COUNT = re.compile("(%s)つ" % "|".join(HIRAGANA_COUNTS))


def _kanji(match: re.Match[str]) -> str:
    try:
        return str(kanji2number(match.group(0)))
    except Exception:  # not a well-formed numeral (十十): leave it; customer text must never raise
        return match.group(0)


def _rewrite(chars: Chars, pattern: re.Pattern[str], repl: Callable[[re.Match[str]], str]) -> Chars:
    text, out, pos = "".join(c for c, _, _ in chars), [], 0
    for m in pattern.finditer(text):
        start, end = chars[m.start()][1], chars[m.end() - 1][2]
        out += chars[pos:m.start()] + [(c, start, end) for c in repl(m)]
        pos = m.end()
    return out + chars[pos:]


def prepare(text: str) -> tuple[str, Chars]:
    """The text to match on, and for each of its characters the span of `text` it came from."""
    n = normalize_with_offsets(text or "")
    chars: Chars = [(low, a, b) for ch, (a, b) in zip(n.text, n.spans) for low in ch.lower()]
    chars = _rewrite(chars, _KANJI_NUMBER, _kanji)
    chars = _rewrite(chars, _HIRAGANA_COUNT, lambda m: f"{HIRAGANA_COUNTS[m.group(1)]}つ")
    return "".join(c for c, _, _ in chars), chars


def alt(words: Iterable[str]) -> str:
    return "|".join(sorted(words, key=len, reverse=True))  # longest first: 明後日 before 明日
