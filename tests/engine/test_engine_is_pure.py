"""The engine, storage and auth packages never import Rasa, and the engine never reads the clock."""
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "bot"


@pytest.mark.parametrize("package", ["engine", "storage", "auth"])
def test_no_rasa_imports(package):
    for path in (ROOT / package).rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"^\s*(import|from)\s+rasa", text, re.M), path


def test_engine_does_not_read_the_real_clock():
    for path in (ROOT / "engine").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "date.today(" not in text and "datetime.now(" not in text, path
