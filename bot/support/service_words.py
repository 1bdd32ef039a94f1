"""Which service a message is about, from the words in it (data: service_words.yml).

A message that names a service (「リモサポ」「ハンズオン」「マイページ」) is about that service; one that names
none but uses a word only one service uses (「プリンタ」「転送」「ライセンスキー」) is about that one. The NLU
restricts its FAQ answers to those services (bot.nlu.classifier) and marks the words as `service`
entities, so the conversation's `service` slot follows the content too.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

import yaml

from bot.nlu.normalize import normalize, normalize_with_offsets

DATA_FILE = Path(__file__).with_name("service_words.yml")
_KANJI = re.compile(r"[\u4e00-\u9fff]")
_ASCII_WORD = re.compile(r"^[a-z0-9][a-z0-9 .\-]*$")


def _katakana(text: str) -> str:
    return "".join(chr(ord(c) + 0x60) if "ぁ" <= c <= "ゖ" else c for c in text)


@dataclass(frozen=True)
class Mention:
    service: str
    kind: str  # "name" or "word"
    start: int  # offsets into the text the customer typed
    end: int
    word: str  # the entry of service_words.yml that matched


@dataclass(frozen=True)
class _Pattern:
    service: str
    kind: str
    word: str
    form: str  # NFKC, lower case, katakana
    regex: Optional["re.Pattern[str]"]  # whole-word match for Latin words
    reading: Optional[str]  # katakana reading of a word with kanji, matched against the message's reading


def _reading_of(word: str) -> Optional[str]:
    if not _KANJI.search(word):
        return None
    from bot.nlu.japanese import segment

    reading = "".join(w.reading for w in segment(word))
    return reading if len(reading) >= 3 and not _KANJI.search(reading) else None


@functools.lru_cache(maxsize=4)
def patterns(path: str = str(DATA_FILE)) -> Tuple[_Pattern, ...]:
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    found: List[_Pattern] = []
    for service, entry in raw.items():
        for kind in ("names", "words"):
            for word in (entry or {}).get(kind) or []:
                word = str(word)
                form = _katakana(normalize(word).lower())
                regex = re.compile(rf"(?<![a-z0-9]){re.escape(form)}(?![a-z0-9])") if _ASCII_WORD.match(form) else None
                found.append(_Pattern(service, kind[:-1], word, form, regex, _reading_of(word)))
    # longest first, so 「保守更新」 wins over 「保守」 for the same characters
    return tuple(sorted(found, key=lambda p: -len(p.form)))


def services() -> Tuple[str, ...]:
    return tuple(dict.fromkeys(p.service for p in patterns()))


def mentions(text: str) -> List[Mention]:
    """Every service word in the text (non-overlapping, longest first), in text order."""
    return _mentions(text) if text else []


def _mentions(text: str) -> List[Mention]:
    normalized = normalize_with_offsets(text)
    folded = _katakana(normalized.text.lower())
    taken = [False] * len(folded)
    found: List[Tuple[int, int, _Pattern]] = []

    def claim(start: int, end: int, pattern: _Pattern) -> None:
        if end > start and not any(taken[start:end]):
            for i in range(start, end):
                taken[i] = True
            found.append((start, end, pattern))

    for pattern in patterns():
        if pattern.regex is not None:
            for match in pattern.regex.finditer(folded):
                claim(match.start(), match.end(), pattern)
        else:
            position = folded.find(pattern.form)
            while position >= 0:
                claim(position, position + len(pattern.form), pattern)
                position = folded.find(pattern.form, position + 1)
    result = [Mention(p.service, p.kind, *normalized.original_span(s, e), p.word) for s, e, p in found]
    result += _reading_mentions(text, [(s, e) for s, e, _ in found])
    return sorted(result, key=lambda m: (m.start, m.end))


def _reading_mentions(text: str, taken_spans: Sequence[Tuple[int, int]]) -> List[Mention]:
    """Kanji words written in kana (てんそう, たんまつ): matched on the katakana readings of the words."""
    readable = [p for p in patterns() if p.reading]
    if not readable or not re.search(r"[ぁ-ゖァ-ヺ]", text):
        return []
    from bot.nlu.japanese import segment

    words = segment(text)
    reading, owner = "", []
    for index, word in enumerate(words):
        reading += word.reading
        owner += [index] * len(word.reading)
    result: List[Mention] = []
    used: List[Tuple[int, int]] = []
    for pattern in readable:
        position = reading.find(pattern.reading)
        while position >= 0:
            first, last = words[owner[position]], words[owner[position + len(pattern.reading) - 1]]
            span = (first.start, last.end)
            if not _KANJI.search(text[span[0]:span[1]]) and not any(
                s < span[1] and span[0] < e for s, e in list(taken_spans) + used
            ):
                used.append(span)
                result.append(Mention(pattern.service, pattern.kind, span[0], span[1], pattern.word))
            position = reading.find(pattern.reading, position + 1)
    return result


def services_in(text: str) -> Tuple[str, ...]:
    """The services the message is about: those it names; if it names none, those of its service words."""
    return services_of(mentions(text))


def services_of(found: Sequence[Mention]) -> Tuple[str, ...]:
    """services_in for the mentions already found in a message."""
    named = [m.service for m in found if m.kind == "name"]
    chosen = named or [m.service for m in found]
    return tuple(dict.fromkeys(chosen))
