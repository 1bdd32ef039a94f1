"""Two per-message costs of the Rasa 3.6 server process, removed without changing behaviour.

Profiled with py-spy under `make bench` (docs/benchmarks.md):
- every custom-action reply is validated with `jsonschema.validate()`, which first re-checks Rasa's
  response schema against its metaschema: ~15 ms of CPU per action call with the event loop blocked.
  We build the validator once; the same errors are raised with the same message.
- every event read from the tracker store is resolved to its class by walking all subclasses of
  `Event`; the answer for a type name never changes once found, so it is remembered.
"""
from __future__ import annotations

import functools
from typing import Any, Dict, Optional, Type

from bot.rasa_ext.base import Extension, Symbol


def _cache_action_response_validator() -> None:
    import jsonschema
    from jsonschema.exceptions import best_match
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    validator_cls = jsonschema.validators.validator_for(schema)
    validator_cls.check_schema(schema)
    validator = validator_cls(schema)

    @functools.wraps(RemoteAction._validate_action_result)
    def _validate_action_result(self: Any, result: Dict[str, Any]) -> bool:
        error = best_match(validator.iter_errors(result))
        if error is not None:
            error.message += (
                ". Failed to validate Action server response from API, make sure your response "
                "from the Action endpoint is valid."
            )
            raise error
        return True

    RemoteAction._validate_action_result = _validate_action_result


def _cache_event_classes() -> None:
    from rasa.shared.core.events import Event

    original = Event.resolve_by_type
    found: Dict[str, Type[Any]] = {}

    @functools.wraps(original)
    def resolve_by_type(type_name: str, default: Optional[Type[Any]] = None) -> Optional[Type[Any]]:
        cls = found.get(type_name)
        if cls is None:
            cls = original(type_name, default)
            if cls is not None and getattr(cls, "type_name", None) == type_name:
                found[type_name] = cls  # only real matches: defaults and misses are not remembered
        return cls

    Event.resolve_by_type = staticmethod(resolve_by_type)


ACTION_RESPONSE_VALIDATOR = Extension(
    name="action-response-validator",
    why="the action server's reply validated with a jsonschema validator built once",
    symbols=(
        Symbol("rasa.core.actions.action", "RemoteAction._validate_action_result", "self, result"),
        Symbol("rasa.core.actions.action", "RemoteAction.action_response_format_spec", ""),
    ),
    apply=_cache_action_response_validator,
)

EVENT_CLASSES = Extension(
    name="event-classes",
    why="the event class of a type name remembered instead of walking Event's subclasses",
    symbols=(Symbol("rasa.shared.core.events", "Event.resolve_by_type", "type_name, default="),),
    apply=_cache_event_classes,
)
