"""The engine, storage, identity and privacy packages never import Rasa, and the engine never reads the clock."""
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3] / "bot"



# (bot/action_server.py *is* the rasa_sdk action server: the token, limit and proof logic it
# serves stays free of Rasa.)
@pytest.mark.parametrize("package", ["engine", "storage", "identity", "privacy"])
def test_no_rasa_imports(package):
    paths = list((ROOT / package).rglob("*.py"))
    assert paths, package
    for path in paths:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"^\s*(import|from)\s+rasa", text, re.M), path


def test_engine_does_not_read_the_real_clock():
    for path in (ROOT / "engine").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "date.today(" not in text and "datetime.now(" not in text, path
