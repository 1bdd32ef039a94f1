"""NFKC normalisation that remembers where each normalised character came from.

Rasa needs token and entity offsets that point into the text the customer typed, but counting
characters and digits must happen on NFKC text (全角/半角, ｶﾀｶﾅ with separate voicing marks).
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import List, Tuple


def normalize(text: str) -> str:
    """NFKC, the one normalisation every count of characters or digits is made on."""
    return unicodedata.normalize("NFKC", text)


def _starts_new_cluster(char: str) -> bool:
    # Combining marks and half-width voicing marks (ﾞ ﾟ) belong to the character before them:
    # NFKC composes ｶ + ﾞ into ガ, so they must be normalised together.
    if char in "\uff9e\uff9f\u3099\u309a":
        return False
    return unicodedata.combining(char) == 0


@dataclass(frozen=True)
class NormalizedText:
    """NFKC text plus, for each of its characters, the span of the original text it came from."""

    original: str
    text: str
    spans: Tuple[Tuple[int, int], ...]

    def original_span(self, start: int, end: int) -> Tuple[int, int]:
        """Map a [start, end) span of the normalised text back onto the original text."""
        if start >= end:
            position = self.spans[start][0] if start < len(self.spans) else len(self.original)
            return position, position
        return self.spans[start][0], self.spans[end - 1][1]


def normalize_with_offsets(original: str) -> NormalizedText:
    """Normalise cluster by cluster so every output character keeps its source span."""
    clusters: List[Tuple[int, int]] = []
    for index, char in enumerate(original):
        if clusters and not _starts_new_cluster(char):
            clusters[-1] = (clusters[-1][0], index + 1)
        else:
            clusters.append((index, index + 1))
    pieces: List[str] = []
    spans: List[Tuple[int, int]] = []
    for start, end in clusters:
        piece = normalize(original[start:end])
        pieces.append(piece)
        spans.extend([(start, end)] * len(piece))
    return NormalizedText(original, "".join(pieces), tuple(spans))
