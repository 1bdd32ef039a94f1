"""Rasa's ``token_pattern`` option for our tokenizer (bot.nlu.tokenizer.FugashiTokenizer).

Rasa's tokenizers each end ``tokenize`` with the private ``Tokenizer._apply_token_pattern``,
which splits tokens by the component's ``token_pattern``; ours does the same, through here.
Checked when the component is created (training and serving), nothing is patched.
"""
from __future__ import annotations

from typing import Any, List

from bot.rasa_ext.base import Extension, Symbol


def apply_token_pattern(tokenizer: Any, tokens: List[Any]) -> List[Any]:
    return tokenizer._apply_token_pattern(tokens)


TOKEN_PATTERN = Extension(
    name="tokenizer-token-pattern",
    why="the token_pattern option of Rasa's tokenizers applied to fugashi's tokens",
    symbols=(Symbol("rasa.nlu.tokenizers.tokenizer", "Tokenizer._apply_token_pattern", "self, tokens"),),
    apply=lambda: None,  # nothing to patch: the tokenizer calls apply_token_pattern
)
