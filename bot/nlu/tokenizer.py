"""Rasa tokenizer for Japanese on fugashi + UniDic (Rasa's WhitespaceTokenizer refuses `ja`)."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.training_data.message import Message

from bot import rasa_ext
from bot.nlu.components import MadeFromConfig
from bot.nlu.japanese import segment
from bot.rasa_ext import tokenizer as rasa_tokenizer


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False
)
class FugashiTokenizer(MadeFromConfig, Tokenizer):
    """NFKC-normalised MeCab words; the UniDic lemma is the token lemma so that
    解約したい / 解約します / 解約した share their features; offsets point into the original text."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "intent_tokenization_flag": False,
            "intent_split_symbol": "_",
            "token_pattern": None,
            "prefix_separator_symbol": None,
            # Punctuation (、。！？) adds noise to short chat messages.
            "drop_punctuation": True,
        }

    def __init__(self, config: Dict[Text, Any]) -> None:
        rasa_ext.install_extension(rasa_tokenizer.TOKEN_PATTERN)  # checked when Rasa creates the component
        super().__init__(config)
        self.drop_punctuation = config.get("drop_punctuation", True)

    @staticmethod
    def supported_languages() -> Optional[List[Text]]:
        return ["ja"]

    @classmethod
    def fingerprint_addon(cls, config: Dict[Text, Any]) -> Optional[str]:
        """Rasa's cache key covers this class's source only: add its helper modules and data files."""
        from bot.nlu.fingerprint import code_fingerprint

        return code_fingerprint(__name__)

    @staticmethod
    def required_packages() -> List[Text]:
        return ["fugashi", "unidic_lite"]

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        text = message.get(attribute) or ""
        drop_punctuation = self.drop_punctuation
        tokens = [
            Token(word.text, word.start, end=word.end, lemma=word.lemma, data={"pos": word.pos, "reading": word.reading})
            for word in segment(text)
            if not (drop_punctuation and word.pos == "補助記号")
        ]
        if not tokens:
            # Rasa's featurizers expect at least one token (emoji-only or punctuation-only text).
            stripped = text.strip()
            if stripped:
                start = text.index(stripped[0])
                tokens = [Token(stripped, start, end=start + len(stripped), lemma=stripped)]
        return rasa_tokenizer.apply_token_pattern(self, tokens)
