"""Intent and FAQ classifier: one flat linear model (an SVM) over every intent and every FAQ answer.

Its features are three TF-IDF views of the message (bot/nlu/features.py: UniDic lemmas with lemma
bigrams and ordered pairs of content words, NFKC character 1-3-grams, character n-grams of the katakana
reading); at run time the scores come straight from the fitted weights (bot/nlu/scoring.py).
Confidences are a softmax of the SVM scores with a temperature (config.yml), so the FallbackClassifier's
threshold has a stable meaning. Why not DIET + ResponseSelector, and the held-out figures: README.
It fills in the same message properties as Rasa's classifiers (`intent`, `intent_ranking`,
`response_selector`), so `utter_faq`, rules, forms and the FallbackClassifier work unchanged. What
the dialogue gets from the confidences (`decide`: the message's services restrict its FAQ answers,
service-dependent topics become generic_question) is bot/nlu/decision.py; this component applies it
and turns the service words of an FAQ-like message into `service` entities (_mark_services).
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Sequence, Text

import joblib
import numpy as np
import scipy.sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RESPONSE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.scoring import FastScorer
from bot.nlu.decision import GENERIC_INTENT, Decision, decide
from bot.nlu.features import READING_WEIGHT, WordView, identity, kana_variant, message_blocks, words_of

logger = logging.getLogger(__name__)
MODEL_FILE = "linear_intent_classifier.joblib"


def build_vectorizers(config: Dict[Text, Any]) -> Dict[str, Any]:
    low, high = config["char_ngram_range"]
    r_low, r_high = config["reading_ngram_range"]
    return {
        "words": TfidfVectorizer(analyzer=identity, sublinear_tf=True),
        "chars": TfidfVectorizer(analyzer="char_wb", ngram_range=(low, high), sublinear_tf=True),
        "reading": TfidfVectorizer(analyzer="char_wb", ngram_range=(r_low, r_high), sublinear_tf=True),
    }


BLOCKS = ("words", "chars", "reading")
BLOCK_WEIGHTS = {"reading": READING_WEIGHT}


def stack(model: Dict[str, Any], blocks: Dict[str, list], fit: bool = False) -> scipy.sparse.csr_matrix:
    """One row per message: [words | chars | reading × READING_WEIGHT]."""
    matrices = []
    for name in BLOCKS:
        vectorizer = model[name]
        matrix = vectorizer.fit_transform(blocks[name]) if fit else vectorizer.transform(blocks[name])
        matrices.append(matrix * BLOCK_WEIGHTS.get(name, 1.0))
    return scipy.sparse.hstack(matrices).tocsr()


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True
)
class LinearIntentClassifier(GraphComponent, IntentClassifier):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "C": 1.0,  # inverse regularisation strength of the SVM
            "temperature": 0.15,  # softmax temperature turning SVM scores into confidences
            "char_ngram_range": [1, 3],
            "reading_ngram_range": [2, 3],
            "ranking_length": 10,
            "retrieval_intents": ["faq"],
            "random_seed": 42,
            "kana_augmentation": True,  # also train on each example written in hiragana (features.kana_variant)
        }

    @staticmethod
    def required_packages() -> List[Text]:
        return ["sklearn"]

    @classmethod
    def fingerprint_addon(cls, config: Dict[Text, Any]) -> Optional[str]:
        """Rasa's cache key covers this class's source only: add its helper modules and data files."""
        from bot.nlu.fingerprint import code_fingerprint

        return code_fingerprint(__name__)

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: Optional[Dict[str, Any]] = None,
    ) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self._model = model
        self._scorer: Optional[FastScorer] = None
        self._labels: List[str] = []  # the SVM's classes as str, made with the scorer

    # create and load have the signatures Rasa's GraphComponent API gives them (bot/nlu/components.py's
    # create too): the duplicates tool pairs the parameter lists, there is no logic to share.
    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "LinearIntentClassifier":
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "LinearIntentClassifier":
        try:
            with model_storage.read_from(resource) as directory:
                model = joblib.load(directory / MODEL_FILE)
        except (ValueError, FileNotFoundError):
            logger.warning("LinearIntentClassifier: no trained model found; every message gets no intent.")
            model = None
        return cls(config, model_storage, resource, model)

    # -- features -------------------------------------------------------------------------------
    @staticmethod
    def _words(message: Message) -> List[WordView]:
        tokens = message.get(TOKENS_NAMES[TEXT]) or []
        return [
            WordView(
                lemma=token.lemma or token.text,
                pos=token.get("pos") or "",
                reading=token.get("reading") or token.text,
            )
            for token in tokens
        ]

    def _blocks(self, message: Message) -> Dict[str, Any]:
        return message_blocks(self._words(message), message.get(TEXT) or "")

    def _fit_features(self, messages: Sequence[Message], extra: Sequence[Dict[str, Any]] = ()) -> scipy.sparse.csr_matrix:
        """Fits the vectorizers (inference scores one message at a time: bot.nlu.scoring)."""
        per_message = [self._blocks(m) for m in messages] + list(extra)
        self._model = build_vectorizers(self._config)
        return stack(self._model, {name: [b[name] for b in per_message] for name in BLOCKS}, fit=True)

    @staticmethod
    def _label(message: Message) -> Optional[str]:
        return message.get(INTENT_RESPONSE_KEY) or message.get(INTENT)

    # -- training -------------------------------------------------------------------------------
    def train(self, training_data: TrainingData) -> Resource:
        examples = [m for m in training_data.intent_examples if m.get(TEXT) and self._label(m)]
        labels = [self._label(m) for m in examples]
        if len(set(labels)) < 2:
            logger.warning("LinearIntentClassifier needs at least two intents; skipping training.")
            return self._resource
        extra, extra_labels = [], []
        if self._config.get("kana_augmentation"):
            for message, label in zip(examples, labels):
                variant = kana_variant(message.get(TEXT))
                if variant:
                    extra.append(message_blocks(words_of(variant), variant))
                    extra_labels.append(label)
        features = self._fit_features(examples, extra)
        labels = labels + extra_labels
        classifier = LinearSVC(C=self._config["C"], random_state=self._config["random_seed"])
        classifier.fit(features, labels)
        self._model["classifier"] = classifier
        self._scorer = None
        with self._model_storage.write_to(self._resource) as directory:
            joblib.dump(self._model, directory / MODEL_FILE)
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    # -- inference ------------------------------------------------------------------------------
    def process(self, messages: List[Message]) -> List[Message]:
        if not self._model or "classifier" not in self._model:
            return messages
        texts = [m for m in messages if isinstance(m.get(TEXT), str) and m.get(TEXT).strip()]
        if not texts:
            return messages
        if self._scorer is None:
            self._scorer = FastScorer(self._model, BLOCKS, BLOCK_WEIGHTS)
            self._labels = [str(label) for label in self._model["classifier"].classes_]
        scores = np.vstack([self._scorer.scores(self._blocks(m)) for m in texts])
        scores = (scores - scores.max(axis=1, keepdims=True)) / self._config["temperature"]
        probabilities = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
        for message, row in zip(texts, probabilities):
            self._set_properties(message, self._labels, row)
        return messages

    def _set_properties(self, message: Message, labels: List[str], row: np.ndarray) -> None:
        from bot.support import service_words

        retrieval = sorted(set(self._config["retrieval_intents"]))
        text = message.get(TEXT) or ""
        mentions = service_words.mentions(text)  # once: for the decision and for the service entities
        decision = decide(labels, row, text, retrieval, services=service_words.services_of(mentions))
        length = self._config["ranking_length"]
        message.set(INTENT, decision.intent, add_to_output=True)
        message.set("intent_ranking", decision.ranking[:length], add_to_output=True)
        selector: Dict[str, Any] = {"all_retrieval_intents": retrieval}
        for intent in retrieval:
            keyed = [{"id": None, "intent_response_key": label, "confidence": confidence}
                     for label, confidence in decision.faq if label.startswith(f"{intent}/")][:length]
            if not keyed:
                continue
            key = keyed[0]["intent_response_key"]
            selector[intent] = {
                "response": {
                    "id": None,
                    "responses": None,
                    "response_templates": None,
                    "confidence": keyed[0]["confidence"],
                    "intent_response_key": key,
                    "utter_action": f"utter_{key}",
                    "template_name": f"utter_{key}",
                },
                "ranking": keyed,
            }
        message.set("response_selector", selector, add_to_output=True)
        self._mark_services(message, decision, mentions)

    @staticmethod
    def _mark_services(message: Message, decision: Decision, mentions: Sequence[Any]) -> None:
        """The service words of an FAQ-like message become `service` entities (the `service` slot
        follows the content: 「プリンタが…」 → remote_support), where no entity covers them yet."""
        name = decision.intent["name"]
        if not decision.services or not (name in ("faq", GENERIC_INTENT) or name.startswith("account_")):
            return
        entities = list(message.get(ENTITIES) or [])
        covered = [(e.get("start", -1), e.get("end", -1)) for e in entities if e.get("entity") == "service"]
        added = False
        for mention in mentions:
            if mention.service not in decision.services:
                continue
            if any(s < mention.end and mention.start < e for s, e in covered):
                continue
            entities.append({"entity": "service", "value": mention.service, "start": mention.start,
                             "end": mention.end, "confidence_entity": 1.0, "extractor": "LinearIntentClassifier"})
            covered.append((mention.start, mention.end))
            added = True
        if added:
            message.set(ENTITIES, sorted(entities, key=lambda e: e.get("start", 0)), add_to_output=True)
