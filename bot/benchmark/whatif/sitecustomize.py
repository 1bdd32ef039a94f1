"""What-if patches for benchmark runs only (`python -m bot.bench` puts this directory first on
PYTHONPATH of the servers it starts for the "single-proposed" setup). Not used by `make run`.

MADOGUCHI_BENCH_WHATIF (comma-separated):
  schema  Rasa validates every action server response with jsonschema.validate(), which first checks
          the schema itself against the Draft 2020-12 metaschema, on every call
          (rasa.core.actions.action.RemoteAction._validate_action_result). Cache one validator per
          schema instead: same validation, without re-checking the schema each time.
          The production change proposed in docs/benchmarks.md does the same.
  events  cache Event.resolve_by_type (tracker deserialisation walks all Event subclasses per event).
  tokens  remember for 60 s that a token's account exists (one DB query per message otherwise).
Only the Rasa server gets this directory on its PYTHONPATH (the action server starts unpatched).
"""
import os

_WHATIF = {w.strip() for w in os.environ.get("MADOGUCHI_BENCH_WHATIF", "").split(",") if w.strip()}

if "schema" in _WHATIF:
    import json

    import jsonschema
    from jsonschema.exceptions import best_match

    _validators = {}
    _original = jsonschema.validate

    def _cached_validate(instance, schema, cls=None, *args, **kwargs):
        key = json.dumps(schema, sort_keys=True, default=str)
        validator = _validators.get(key)
        if validator is None:
            validator_cls = cls or jsonschema.validators.validator_for(schema)
            validator_cls.check_schema(schema)
            validator = _validators[key] = validator_cls(schema, *args, **kwargs)
        error = best_match(validator.iter_errors(instance))
        if error is not None:
            raise error

    jsonschema.validate = _cached_validate

if "events" in _WHATIF:
    # Every event read from the tracker store is resolved to its class by walking all subclasses of
    # Event (rasa.shared.core.events.Event.resolve_by_type -> all_subclasses): remember the answers.
    from rasa.shared.core import events as _events

    _resolve = _events.Event.resolve_by_type
    _by_name = {}

    def _cached_resolve_by_type(type_name, default=None):
        cls = _by_name.get(type_name)
        if cls is None:
            cls = _resolve(type_name, default)
            if cls is not None and getattr(cls, "type_name", None) == type_name:
                _by_name[type_name] = cls
        return cls

    _events.Event.resolve_by_type = staticmethod(_cached_resolve_by_type)

if "tokens" in _WHATIF:
    # The hardened channels verify the login token of every message, including a database lookup of
    # the account (bot.auth.tokens._default_exists). Remember existing accounts for 60 s.
    import time as _time

    from bot.auth import tokens as _tokens

    _exists = _tokens._default_exists
    _seen = {}

    def _cached_exists(account_id):
        now = _time.monotonic()
        if _seen.get(account_id, 0) > now:
            return True
        found = _exists(account_id)
        if found:
            _seen[account_id] = now + 60
        return found

    _tokens._default_exists = _cached_exists
