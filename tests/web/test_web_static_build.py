"""The committed chat page (bot/web/static) is the build of web/ (`cd web && npm ci && npm run build`)."""
from __future__ import annotations

import json
import re

from webtest_support import PROJECT_ROOT

WEB = PROJECT_ROOT / "web"
STATIC = PROJECT_ROOT / "bot" / "web" / "static"


def test_static_files_match_web_src():
    sources = sorted(p for p in (WEB / "src").iterdir() if p.is_file())
    assert {p.name for p in sources} >= {"index.html", "chat.js", "chat.css"}
    for source in sources:
        built = STATIC / source.name
        assert built.exists(), f"{built} missing: run `npm run build` in web/"
        assert built.read_bytes() == source.read_bytes(), (
            f"{built} differs from {source}: run `npm run build` in web/ and commit bot/web/static")


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
