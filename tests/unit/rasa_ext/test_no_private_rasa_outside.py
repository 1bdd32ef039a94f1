"""Architecture: Rasa's internals are used in bot/rasa_ext/ only (issue #16), so that every such use
is checked against the installed Rasa at start-up."""
from pathlib import Path

from tests.support.private_rasa import findings, scan

from bot.rasa_ext.overrides import OVERRIDDEN

ROOT = Path(__file__).resolve().parents[3]
OVERRIDES = {(module, cls, method) for module, cls, method, _ in OVERRIDDEN}


def _sources():
    for top in ("bot", "actions"):
        for path in sorted((ROOT / top).rglob("*.py")):
            if (ROOT / "bot" / "rasa_ext") not in path.parents:
                yield path


def test_no_private_rasa_symbol_is_used_outside_bot_rasa_ext():
    assert scan(_sources(), ROOT, OVERRIDES) == []


def test_the_scan_finds_each_kind_of_use():
    source = '''
import rasa.utils.common
from rasa.core.channels import console
from rasa.core.channels.socketio import SocketIOOutput
from rasa.core.tracker_store import SQLTrackerStore, _create_from_endpoint_config
import rasa.core.actions.action as rasa_action

rasa.utils.common._filter_warnings = None
console._get_user_input(None)
rasa_action.DEFAULT_REQUEST_TIMEOUT = 10
setattr(console, "x", 1)
getattr(store, "_tracker_store", None)
getattr(record, "_madoguchi_masked", False)

class Store(SQLTrackerStore):
    def read(self, session):
        self._mine = 1
        return self._event_query(session, "a", False), self._mine

class Output(SocketIOOutput):
    async def _send_message(self, socket_id, response):
        await super()._send_message(socket_id, response)
'''
    found = [what for _, what in findings(source)]
    assert found == sorted(found, key=found.index)  # one finding per use
    assert "from rasa.core.tracker_store import _create_from_endpoint_config" in found
    assert "rasa.utils.common._filter_warnings" in found
    assert "console._get_user_input" in found
    assert "assigns rasa_action.DEFAULT_REQUEST_TIMEOUT" in found
    assert "setattr on console" in found
    assert "getattr(…, '_tracker_store')" in found
    assert "Store uses the inherited private _event_query" in found
    assert "Output uses the inherited private _send_message" not in found  # its own override
    assert any(w.startswith("Output._send_message overrides rasa.core.channels.socketio.SocketIOOutput._send_message")
               for w in found)
    assert not any("_madoguchi" in w or "_mine" in w for w in found)
    listed = findings(source, {("rasa.core.channels.socketio", "SocketIOOutput", "_send_message")})
    assert not any("overrides" in w for _, w in listed)
