"""spaCy entity layer: a Japanese spaCy `Language` on the fugashi segmentation with an EntityRuler
for services, dates, amounts and contract numbers. Its entities reach Rasa through the
`SpacyEntityRuler` component below, with offsets into the text the customer typed."""
from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Dict, List, Optional, Text

import spacy
import yaml
from spacy.language import Language
from spacy.tokens import Doc

from bot.engine import services
from bot.nlu.japanese import Word, segment

PATTERNS_FILE = Path(__file__).with_name("entity_patterns.yml")

_NUM = {"TEXT": {"REGEX": r"^\d{1,4}$"}}


class FugashiSpacyTokenizer:
    """spaCy tokenizer that reuses the project's fugashi segmentation (no SudachiPy needed)."""

    def __init__(self, vocab: spacy.vocab.Vocab) -> None:
        self.vocab = vocab

    def __call__(self, text: str) -> Doc:
        return self.doc_from_words(segment(text))

    def doc_from_words(self, words: List[Word]) -> Doc:
        return Doc(self.vocab, words=[w.text for w in words] or [""], spaces=[False] * max(1, len(words)))


@spacy.registry.tokenizers("madoguchi.fugashi.v1")
def _create_tokenizer():  # spaCy's registry calls this with no arguments
    return lambda nlp: FugashiSpacyTokenizer(nlp.vocab)


def _patterns(config: Dict[str, Any]) -> List[Dict[str, Any]]:
    patterns: List[Dict[str, Any]] = []
    for service, surfaces in config["services"].items():
        for surface in surfaces:
            patterns.append({"label": "service", "pattern": surface, "id": service})
    for surface in config["relative_dates"]:
        patterns.append({"label": "date", "pattern": surface, "id": "relative"})
    absolute_dates = [
        [_NUM, {"TEXT": "年"}, _NUM, {"TEXT": "月"}, _NUM, {"TEXT": "日"}],  # 2026年12月1日
        [_NUM, {"TEXT": "年"}, _NUM, {"TEXT": "月"}],  # 2026年12月
        [_NUM, {"TEXT": "月"}, _NUM, {"TEXT": "日"}],  # 12月1日
        [_NUM, {"TEXT": "/"}, _NUM, {"TEXT": "/"}, _NUM],  # 2026/12/1
        [_NUM, {"TEXT": "/"}, _NUM],  # 12/1
        [_NUM, {"TEXT": "日"}],  # 15日
        [_NUM, {"TEXT": "月"}],  # 12月
    ]
    patterns += [{"label": "date", "pattern": p, "id": "absolute"} for p in absolute_dates]
    digits = {"TEXT": {"REGEX": r"^\d+$"}}
    patterns += [
        {"label": "amount", "pattern": [digits, {"TEXT": ","}, {"TEXT": {"REGEX": r"^\d{3}$"}}, {"TEXT": "円"}]},
        {"label": "amount", "pattern": [digits, {"TEXT": "万"}, {"TEXT": "円"}]},
        {"label": "amount", "pattern": [digits, {"TEXT": "円"}]},
    ]
    # contract numbers: the prefixes and digit counts of bot.engine.services
    prefixes = [s.contract_prefix.lower() for s in services.SERVICES]
    digits = r"\d{%d,%d}" % services.CONTRACT_DIGITS
    patterns += [
        {"label": "contract_no", "pattern": [{"LOWER": {"IN": prefixes}}, {"TEXT": {"IN": [*services.DASHES, "_"]}}, {"TEXT": {"REGEX": rf"^{digits}$"}}]},
        {"label": "contract_no", "pattern": [{"LOWER": {"IN": prefixes}}, {"TEXT": {"REGEX": rf"^{digits}$"}}]},
        {"label": "contract_no", "pattern": [{"LOWER": {"REGEX": r"^(%s)%s$" % ("|".join(prefixes), digits)}}]},
    ]
    return patterns


@functools.lru_cache(maxsize=1)
def build_nlp(patterns_file: str = str(PATTERNS_FILE)) -> Language:
    """The spaCy pipeline, built once per process."""
    nlp = spacy.blank("ja", config={"nlp": {"tokenizer": {"@tokenizers": "madoguchi.fugashi.v1"}}})
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"})
    config = yaml.safe_load(Path(patterns_file).read_text(encoding="utf-8"))
    ruler.add_patterns(_patterns(config))
    return nlp


def _value(label: str, ent_id: str, text: str) -> str:
    if label == "service":
        return ent_id
    if label == "contract_no":
        # RS0001, rs-0001, rsー0001 → RS-0001 (the rule of bot.engine.services; the surface is NFKC already)
        return services.contract_no_in(text) or text
    if label == "amount":
        number = "".join(c for c in text if c.isdigit())
        return str(int(number) * 10000) if "万" in text else number
    return text


def extract(text: str, nlp: Optional[Language] = None) -> List[Dict[str, Any]]:
    """Entities of `text` as Rasa entity dicts (offsets into `text`, canonical values)."""
    nlp = nlp or build_nlp()
    words = segment(text)
    if not words:
        return []
    doc = nlp.tokenizer.doc_from_words(words)
    for _, component in nlp.pipeline:
        doc = component(doc)
    entities = []
    for ent in doc.ents:
        start, end = words[ent.start].start, words[ent.end - 1].end
        surface = "".join(w.text for w in words[ent.start:ent.end])
        entities.append(
            {
                "entity": ent.label_,
                "start": start,
                "end": end,
                "value": _value(ent.label_, ent.ent_id_, surface),
                "confidence_entity": 1.0,
            }
        )
    return entities


# The Rasa side. Imported lazily so the entity layer can be used (and tested) without Rasa.
from rasa.engine.graph import GraphComponent  # noqa: E402
from rasa.engine.recipes.default_recipe import DefaultV1Recipe  # noqa: E402
from rasa.nlu.extractors.extractor import EntityExtractorMixin  # noqa: E402
from rasa.shared.nlu.constants import ENTITIES, TEXT  # noqa: E402
from rasa.shared.nlu.training_data.message import Message  # noqa: E402
from rasa.shared.nlu.training_data.training_data import TrainingData  # noqa: E402

from bot.nlu.components import MadeFromConfig  # noqa: E402


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False
)
class SpacyEntityRuler(MadeFromConfig, GraphComponent, EntityExtractorMixin):
    """Adds the spaCy EntityRuler's entities (service, date, amount, contract_no) to messages."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"patterns_file": str(PATTERNS_FILE)}

    @staticmethod
    def supported_languages() -> Optional[List[Text]]:
        return ["ja"]

    @classmethod
    def fingerprint_addon(cls, config: Dict[Text, Any]) -> Optional[str]:
        """Rasa's cache key covers this class's source only: add its helper modules and data files."""
        from bot.nlu.fingerprint import code_fingerprint

        return code_fingerprint(__name__, [Path(config.get("patterns_file") or PATTERNS_FILE)])

    def __init__(self, config: Dict[Text, Any]) -> None:
        self._nlp = build_nlp(config.get("patterns_file") or str(PATTERNS_FILE))

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not isinstance(text, str) or not text:
                continue
            found = self.add_extractor_name(extract(text, self._nlp))
            message.set(ENTITIES, message.get(ENTITIES, []) + found, add_to_output=True)
        return messages
