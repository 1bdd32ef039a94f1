"""The engine, storage and auth packages never import Rasa, and the engine never reads the clock."""
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "bot"


# bot/auth/action_server.py *is* the rasa_sdk action server (with the shared-secret check in front):
# the token, limit and proof logic beside it stays free of Rasa.
RASA_SERVERS = {ROOT / "auth" / "action_server.py"}


@pytest.mark.parametrize("package", ["engine", "storage", "auth"])
def test_no_rasa_imports(package):
    for path in (ROOT / package).rglob("*.py"):
        if path in RASA_SERVERS:
            continue
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"^\s*(import|from)\s+rasa", text, re.M), path


def test_engine_does_not_read_the_real_clock():
    for path in (ROOT / "engine").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "date.today(" not in text and "datetime.now(" not in text, path
