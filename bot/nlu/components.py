"""What our Rasa NLU components share: `create` of a component made from its config alone."""
from __future__ import annotations

from typing import Any, Dict, Text

# Imported at module level, not under TYPE_CHECKING: Rasa resolves create()'s type hints when it
# validates the graph (rasa.engine.validation).
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage


class MadeFromConfig:
    """GraphComponent.create for a component that trains and stores nothing (the tokenizer, the
    entity layer): put it before Rasa's base class."""

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> GraphComponent:
        return cls(config)
