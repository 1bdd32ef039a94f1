"""The Rasa-process speed-ups change no behaviour: same validation errors, same event classes."""
import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered

from bot import rasa_ext
from bot.identity import tokens



@pytest.fixture(autouse=True, scope="module")
def _installed():
    rasa_ext.install()  # as at the Rasa server's start-up


def test_valid_action_server_reply_passes_and_invalid_one_raises_with_rasas_hint():
    action = RemoteAction("action_x", None)
    assert action._validate_action_result({"events": [{"event": "slot", "name": "a", "value": 1}], "responses": []})
    with pytest.raises(ValidationError) as raised:
        action._validate_action_result({"events": "not a list"})
    assert "Failed to validate Action server response" in raised.value.message


def test_event_classes_are_resolved_as_before():
    assert Event.resolve_by_type("user") is UserUttered
    assert Event.resolve_by_type("slot") is SlotSet
    assert Event.resolve_by_type("action") is ActionExecuted
    assert Event.resolve_by_type("user") is UserUttered  # from the cache now
    assert Event.resolve_by_type("no_such_event", default=SlotSet) is SlotSet
    with pytest.raises(ValueError):
        Event.resolve_by_type("no_such_event")


def test_existing_accounts_are_remembered_per_database_but_missing_ones_are_asked_again(monkeypatch, tmp_path):
    calls = []

    def account_exists(account_id):
        calls.append(account_id)
        return account_id == "A1"

    monkeypatch.setattr("bot.storage.repository.account_exists", account_exists)
    monkeypatch.setattr(tokens, "_existing", {})
    monkeypatch.setenv("MADOGUCHI_DB_URL", f"sqlite:///{tmp_path}/one.db")
    assert tokens._default_exists("A1") and tokens._default_exists("A1")
    assert not tokens._default_exists("B2") and not tokens._default_exists("B2")
    assert calls == ["A1", "B2", "B2"]
    monkeypatch.setenv("MADOGUCHI_DB_URL", f"sqlite:///{tmp_path}/two.db")
    tokens._default_exists("A1")
    assert calls == ["A1", "B2", "B2", "A1"]  # another database is asked again
