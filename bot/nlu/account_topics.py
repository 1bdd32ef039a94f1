"""Routes an FAQ topic that has a per-customer rule to the account answers.

The classifier only decides the topic (e.g. faq/cw_renewal_fee); whether the reply is the general
rule or the customer's own figures is decided later by who is asking (actions/account.py). This
step renames such a message's intent to `account_topic` (confidence unchanged; `intent_ranking` and
`response_selector` untouched, so `make eval` and the fallback still see the classifier's view), so
one rule sends it to `action_answer_account_topic`. The topics come from the question registry
(bot.answers.FAQ_TOPICS): each question declares the FAQ topics it computes.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

ROUTED_INTENT = "account_topic"


def routed_intent(intent: Optional[Dict[str, Any]], selector: Optional[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
    """The new intent for a computable FAQ topic, or None to leave the message as it is."""
    from bot.answers import FAQ_TOPICS
    from bot.faq.catalog import selected_key

    if not intent or intent.get("name") != "faq" or selected_key(selector) not in FAQ_TOPICS:
        return None
    return {"name": ROUTED_INTENT, "confidence": intent.get("confidence")}


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class AccountTopicRouter(GraphComponent):
    """After the classifier and the FallbackClassifier: computable FAQ topics → `account_topic`."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {}

    @classmethod
    def fingerprint_addon(cls, config: Dict[Text, Any]) -> Optional[str]:
        """Rasa's cache key covers this class's source only: add its helper modules and data files."""
        from bot.nlu.fingerprint import code_fingerprint

        return code_fingerprint(__name__)

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "AccountTopicRouter":
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            routed = routed_intent(message.get(INTENT), message.get("response_selector"))
            if routed is not None:
                message.set(INTENT, routed, add_to_output=True)
        return messages
