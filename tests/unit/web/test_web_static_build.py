"""The committed chat page (bot/web/static): our files plus socket.io-client vendored by `make web`."""
from __future__ import annotations

import json
import re

from tests.support.webchat import PROJECT_ROOT

WEB = PROJECT_ROOT / "web"
STATIC = PROJECT_ROOT / "bot" / "web" / "static"


def test_the_page_is_complete_and_has_one_source():
    for name in ("index.html", "chat.js", "chat.css"):
        assert (STATIC / name).exists(), name
    # the page's own files are edited in bot/web/static; web/ only vendors socket.io-client
    assert not (WEB / "src").exists()


def test_vendored_socketio_client_matches_the_lockfile():
    lock = json.loads((WEB / "package-lock.json").read_text())
    version = lock["packages"]["node_modules/socket.io-client"]["version"]
    assert version.startswith("4."), "socket.io-client 4.x speaks Socket.IO v5 / Engine.IO v4"
    head = (STATIC / "vendor" / "socket.io.min.js").read_text(encoding="utf-8")[:200]
    assert re.search(r"Socket\.IO v" + re.escape(version) + r"\b", head), head
    assert (STATIC / "vendor" / "socket.io-client.LICENSE").exists()


def test_page_loads_nothing_from_other_origins():
    html = (STATIC / "index.html").read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["'](https?:)?//""", html)
    script = (STATIC / "chat.js").read_text(encoding="utf-8")
    assert "innerHTML" not in script and "insertAdjacentHTML" not in script
    assert "document.write" not in script and "eval(" not in script
