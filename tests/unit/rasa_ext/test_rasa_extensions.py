"""Each extension of Rasa's internals fits the installed Rasa and is installed once; a Rasa other
than the one they were checked against, or a changed private symbol, stops the start-up."""
import inspect
import subprocess
import sys
from pathlib import Path

import pytest
import rasa.core.actions.action as rasa_action
import rasa.version
from rasa.core.actions.action import RemoteAction
from rasa.core.processor import MessageProcessor
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import Event

from bot import rasa_ext
from bot.rasa_ext import RasaExtensionError, timeouts

ROOT = Path(__file__).resolve().parents[3]
SERVER = ["action-response-validator", "event-classes", "action-timeout", "metrics-hooks", "sql-tracker-store",
          "private-overrides", "tokenizer-token-pattern"]
SHELL = ["shell-warnings", "shell-console"]


def test_the_extensions_and_the_rasa_they_were_checked_against():
    assert [e.name for e in rasa_ext.server_extensions()] == SERVER
    assert [e.name for e in rasa_ext.shell_extensions()] == SHELL
    for extension in rasa_ext.server_extensions() + rasa_ext.shell_extensions():
        assert extension.checked_against == "3.6.21", extension.name
        assert extension.symbols, extension.name
        assert extension.problems() == [], extension.name


def test_install_applies_every_server_extension_once(monkeypatch):
    monkeypatch.setenv("MADOGUCHI_ACTION_TIMEOUT", "7")
    monkeypatch.setattr(rasa_ext, "_installed", set())
    for owner, name in ((RemoteAction, "_validate_action_result"), (RemoteAction, "run"),
                        (MessageProcessor, "handle_message"), (MessageProcessor, "_run_prediction_loop")):
        # Rasa's own (an earlier test may have installed already), restored after the test
        monkeypatch.setattr(owner, name, inspect.unwrap(vars(owner)[name]))
    monkeypatch.setattr(Event, "resolve_by_type", staticmethod(inspect.unwrap(vars(Event)["resolve_by_type"].__func__)))
    monkeypatch.setattr(rasa_action, "DEFAULT_REQUEST_TIMEOUT", 300)
    original_run = RemoteAction.run
    rasa_ext.install()
    rasa_ext.install()  # idempotent: not wrapped twice
    assert rasa_ext.installed() == set(SERVER)
    assert rasa_action.DEFAULT_REQUEST_TIMEOUT == 7.0
    assert RemoteAction.run is not original_run and RemoteAction.run.__wrapped__ is original_run
    assert not hasattr(MessageProcessor.handle_message.__wrapped__, "__wrapped__")
    for extension in rasa_ext.server_extensions():
        assert extension.problems() == [], extension.name  # still fits once applied


def test_a_different_rasa_version_stops_the_start_up_before_anything_is_patched(monkeypatch):
    monkeypatch.setattr(rasa_ext, "_installed", set())
    monkeypatch.setattr(rasa.version, "__version__", "3.6.22")
    monkeypatch.setattr(rasa_action, "DEFAULT_REQUEST_TIMEOUT", 300)
    with pytest.raises(RasaExtensionError) as raised:
        rasa_ext.install()
    assert (f"rasa 3.6.22 is installed, but it was checked against rasa 3.6.21 ({', '.join(SERVER)})"
            in str(raised.value))
    assert rasa_action.DEFAULT_REQUEST_TIMEOUT == 300 and rasa_ext.installed() == set()


def test_rasas_start_up_from_credentials_yml_fails_loudly_on_a_mismatch(monkeypatch):
    from rasa.core.run import create_http_input_channels

    monkeypatch.setattr(rasa_ext, "_installed", set())
    monkeypatch.delattr(SQLTrackerStore, "_event_query")
    with pytest.raises(RasaExtensionError) as raised:
        create_http_input_channels(None, str(ROOT / "credentials.yml"))  # what `rasa run` does first
    assert "rasa.core.tracker_store.SQLTrackerStore._event_query is missing" in str(raised.value)
    assert str(raised.value).count("(sql-tracker-store)") == 1  # the only extension that uses it


def test_a_changed_signature_or_use_is_named(monkeypatch):
    def validate(self, result, schema):
        return True

    monkeypatch.setattr(RemoteAction, "_validate_action_result", validate)
    extension = next(e for e in rasa_ext.server_extensions() if e.name == "action-response-validator")
    with pytest.raises(RasaExtensionError, match=r"RemoteAction\._validate_action_result takes \(self, result, "
                                                 r"schema\), expected \(self, result\)"):
        extension.check()

    async def run(self, output_channel, nlg, tracker, domain):
        return await self.action_endpoint.request(json={}, timeout=300)  # the timeout no longer read

    monkeypatch.setattr(RemoteAction, "run", run)
    assert timeouts.ACTION_TIMEOUT.problems() == [
        "rasa.core.actions.action.RemoteAction.run no longer reads DEFAULT_REQUEST_TIMEOUT when it runs"]


def test_importing_the_channels_and_the_tracker_store_patches_nothing():
    code = ("import rasa.core.actions.action as a, rasa.core.processor as p\n"
            "import bot.channels.rest, bot.channels.secure_socketio, bot.channels.staff, bot.tracker_store\n"
            "from bot import rasa_ext\n"
            "assert a.DEFAULT_REQUEST_TIMEOUT == 300, a.DEFAULT_REQUEST_TIMEOUT\n"
            "assert not hasattr(p.MessageProcessor.handle_message, '__wrapped__')\n"
            "assert rasa_ext.installed() == set()\n")
    done = subprocess.run([sys.executable, "-W", "ignore", "-c", code], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr[-2000:]
