"""Every engine function that answers a business question is reachable from a customer question
(called from bot/answers/) and listed in bot/engine/README.md — or the README says why not."""
from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import pytest

from bot.engine.services import SERVICES

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "bot" / "engine" / "README.md").read_text(encoding="utf-8")
ANSWERS = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "bot" / "answers").glob("*.py"))
# bot/answers imports each engine module under its service's FAQ prefix (bot.engine.services)
ALIASES = {importlib.import_module(f"bot.engine.{s.key.value}"): s.faq_prefix for s in SERVICES}


def _public_functions(module):
    return sorted(name for name, f in inspect.getmembers(module, inspect.isfunction)
                  if f.__module__ == module.__name__ and not name.startswith("_") and name != "legacy_note")


@pytest.mark.parametrize("module", list(ALIASES), ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_every_engine_function_is_reachable_or_explained(module):
    row = next(line for line in README.splitlines() if line.startswith(f"| `{module.__name__.rsplit('.', 1)[-1]}`"))
    for name in _public_functions(module):
        assert f"`{name}" in row, f"{module.__name__}.{name} is not listed in bot/engine/README.md"
        called = re.search(rf"\b{ALIASES[module]}\.{name}\(", ANSWERS)
        explained = re.search(rf"`{name}`[^|;]*not reachable[^|;]*: ", row)
        assert called or explained, f"{module.__name__}.{name}: no customer question reaches it and the README says not why"
