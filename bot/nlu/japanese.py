"""Japanese word segmentation with fugashi (MeCab) and UniDic, shared by Rasa and spaCy.

One tagger per process: building a MeCab tagger loads the dictionary, far too slow per message.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import List

import fugashi

from bot.nlu.normalize import NormalizedText, normalize_with_offsets

# UniDic parts of speech that carry no meaning for intent classification.
_SKIPPED_POS = {"空白"}


@dataclass(frozen=True)
class Word:
    """A word of the normalised text, with offsets into the text the customer typed."""

    text: str  # NFKC surface
    lemma: str  # UniDic lemma (解約した / 解約します → 解約 + 為る), NFKC, lower-cased
    pos: str
    reading: str  # katakana reading (解約 → カイヤク; かいやく → カイヤク), so kana spellings match kanji
    start: int  # offsets into the original text
    end: int
    norm_start: int  # offsets into the normalised text
    norm_end: int


@functools.lru_cache(maxsize=1)
def tagger() -> fugashi.Tagger:
    return fugashi.Tagger()


def _lemma(node: "fugashi.UnidicNode") -> str:
    lemma = getattr(node.feature, "lemma", None)
    if not lemma or lemma == "*":
        return node.surface
    # UniDic appends the origin of loanwords: "キャンセル-cancel" → keep the Japanese form.
    return lemma.split("-", 1)[0] or node.surface


def _katakana(text: str) -> str:
    return "".join(chr(ord(c) + 0x60) if "ぁ" <= c <= "ゖ" else c for c in text)


def _reading(node: "fugashi.UnidicNode") -> str:
    kana = getattr(node.feature, "kana", None)
    # words outside the dictionary (and hiragana typed for kanji) have no reading: their own kana
    return kana if kana and kana != "*" else _katakana(node.surface)


def segment(text: str) -> List[Word]:
    """Split text into words; surfaces and lemmas are NFKC, offsets point into `text`."""
    normalized: NormalizedText = normalize_with_offsets(text)
    words: List[Word] = []
    cursor = 0
    for node in tagger()(normalized.text):
        surface = node.surface
        start = normalized.text.find(surface, cursor)
        if start < 0:  # MeCab never rewrites the surface, but never lose the rest of the text
            continue
        end = start + len(surface)
        cursor = end
        if not surface.strip() or node.feature.pos1 in _SKIPPED_POS:
            continue
        original_start, original_end = normalized.original_span(start, end)
        words.append(
            Word(
                text=surface,
                lemma=_lemma(node).lower(),
                pos=node.feature.pos1 or "",
                reading=_reading(node),
                start=original_start,
                end=original_end,
                norm_start=start,
                norm_end=end,
            )
        )
    return words
