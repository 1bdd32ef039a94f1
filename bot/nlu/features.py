"""Sparse features of one customer message for the intent + FAQ classifier.

Three views of the same message, each a TF-IDF block (bot/nlu/classifier.py):
- words: UniDic lemmas, lemma bigrams, and ordered pairs of content words. The ordered pairs keep
  the direction of a request apart when the same words appear in both FAQs:
  「カードを やめて 請求書に」 gives カード>やめる but 「請求書を やめて カードに」 gives 請求書>やめる.
- characters: NFKC, lower-cased character 1–3-grams (typos, unknown words, emoji);
- reading: character n-grams of the katakana reading, so 「かいやく」「ｶｲﾔｸ」 and 「解約」 look alike.
Choices were made by 5-fold cross-validation on the training data (scripts/nlu_crossval.py),
not on the held-out set; figures in the README.
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence

from bot.nlu.japanese import segment
from bot.nlu.normalize import normalize

# Parts of speech whose lemmas take part in ordered pairs (particles and auxiliaries do not).
CONTENT_POS = frozenset({"名詞", "動詞", "形容詞", "形状詞", "副詞"})
READING_WEIGHT = 1.5  # the reading block counts a bit more than the others (cross-validated)


@dataclass(frozen=True)
class WordView:
    """What the features need of a token: lemma, part of speech, katakana reading."""

    lemma: str
    pos: str
    reading: str


def word_features(words: Sequence[WordView]) -> List[str]:
    """解約 為る たい → 解約, 為る, たい, 解約_為る, 為る_たい, o:解約>為る."""
    lemmas = [w.lemma for w in words]
    features = lemmas + [f"{a}_{b}" for a, b in zip(lemmas, lemmas[1:])]
    content = [w.lemma for w in words if w.pos in CONTENT_POS]
    features += [f"o:{a}>{b}" for a, b in itertools.combinations(content, 2)]
    return features


def char_text(text: str) -> str:
    return normalize(text).lower()


def reading_text(words: Sequence[WordView]) -> str:
    return " ".join(w.reading for w in words)


def words_of(text: str) -> List[WordView]:
    """The words FugashiTokenizer makes tokens of (punctuation dropped; emoji- or punctuation-only
    text is one token), for code that works on raw text: the CV script and the tests."""
    result = [WordView(w.lemma, w.pos, w.reading) for w in segment(text) if w.pos != "補助記号"]
    if not result and text.strip():
        result = [WordView(text.strip(), "", text.strip())]
    return result


_KANJI_OR_KATAKANA = re.compile(r"[\u4e00-\u9fffァ-ヺ]")


def kana_variant(text: str) -> Optional[str]:
    """The message as a customer typing only hiragana would write it (リモートサポートの月額 →
    りもーとさぽーとのげつがく), from the UniDic readings; None when it would not change. Training on
    these copies too lifts 5-fold CV accuracy on hiragana-only versions of the training examples from
    80 % to 90 % and on the examples as written by a point (scripts/nlu_crossval.py)."""
    pieces, cursor = [], 0
    for word in segment(text):
        pieces.append(text[cursor:word.start])  # spaces between words stay
        cursor = word.end
        if _KANJI_OR_KATAKANA.search(word.text):
            pieces.append("".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in word.reading))
        else:
            pieces.append(text[word.start:word.end])
    variant = "".join(pieces) + text[cursor:]
    return variant if variant != normalize(text) and variant != text else None


def message_blocks(words: Sequence[WordView], text: str) -> Dict[str, Any]:
    """The input of each TF-IDF block for one message (see bot.nlu.classifier.BLOCKS)."""
    return {"words": word_features(words), "chars": char_text(text), "reading": reading_text(words)}


def identity(features: List[str]) -> List[str]:
    # module-level so a fitted TfidfVectorizer(analyzer=identity) can be pickled
    return features
