"""Attack: calling the action server directly with a forged tracker.

The action server used to listen on 0.0.0.0 without authentication and believe any tracker: a forged
POST /webhook could run account actions and the verification form. Now (bot/action_server.py)
it listens on loopback and refuses every call without the shared secret that only Rasa sends."""
from __future__ import annotations

import json
import zlib

import pytest

from tests.support.production_bot import request

pytestmark = pytest.mark.slow


def _forged_call(action: str, sender: str = "forged-1") -> bytes:
    """What an attacker would send: a tracker claiming a verified identity and account intent."""
    tracker = {
        "sender_id": sender, "slots": {"identity_proof": "v1:A1001:1790000000:" + "0" * 64},
        "latest_message": {"intent": {"name": "account_contract_summary"}, "text": "契約内容",
                           "metadata": {"token": "forged"}, "entities": []},
        "events": [], "paused": False, "followup_action": None, "active_loop": {},
        "latest_action_name": "action_listen",
    }
    return json.dumps({"next_action": action, "sender_id": sender, "tracker": tracker,
                       "domain": {}, "version": "3.6.21"}).encode()


def _webhook(bot) -> str:
    return f"http://127.0.0.1:{bot.actions_port}/webhook"


@pytest.mark.parametrize("action", ["action_account_contract_summary", "validate_verify_identity_form",
                                    "action_verification_result"])
def test_forged_call_without_the_secret_is_refused(bot, action):
    status, body = request("POST", _webhook(bot), _forged_call(action), {"Content-Type": "application/json"})
    assert status == 401, body
    assert "山田" not in json.dumps(body, ensure_ascii=False)


def test_forged_call_with_a_wrong_secret_is_refused(bot):
    for header in ("Bearer " + bot.action_secret[:-1] + "x", bot.action_secret, "Basic " + bot.action_secret,
                   "Bearer " + bot.secret):
        status, body = request("POST", _webhook(bot), _forged_call("action_account_contract_summary"),
                               {"Content-Type": "application/json", "Authorization": header})
        assert status in (401, 403), (header[:12], status, body)


def test_listing_actions_needs_the_secret_too(bot):
    assert request("GET", f"http://127.0.0.1:{bot.actions_port}/actions")[0] == 401
    status, body = request("GET", f"http://127.0.0.1:{bot.actions_port}/actions", None,
                           {"Authorization": f"Bearer {bot.action_secret}"})
    assert status == 200 and any(a["name"] == "validate_verify_identity_form" for a in body)


def test_the_secret_is_what_rasa_uses(bot):
    """The real bot (Rasa with endpoints.yml's header) still runs its actions."""
    reply = bot.texts("actions-ok-1", "/request_verification")
    assert "契約番号" in reply, reply


def _listening_addresses(port: int) -> set:
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = open(table).read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            address, state = fields[1], fields[3]
            host, _, hexport = address.partition(":")
            if state == "0A" and int(hexport, 16) == port:   # LISTEN
                found.add(host)
    return found


def test_action_server_listens_on_loopback_only(bot):
    addresses = _listening_addresses(bot.actions_port)
    assert addresses, "the action server's socket was not found in /proc/net/tcp"
    assert addresses <= {"0100007F", "00000000000000000000000001000000"}, addresses  # 127.0.0.1 / ::1


def test_deflate_bomb_is_refused(bot):
    bomb = zlib.compress(b"{" + b" " * (64 * 1024 * 1024) + b"}", 9)   # 64 MiB once inflated
    assert len(bomb) < 1024 * 1024
    status, body = request("POST", _webhook(bot), bomb, {
        "Content-Type": "application/json", "Content-Encoding": "deflate",
        "Authorization": f"Bearer {bot.action_secret}"})
    assert status == 413, body
