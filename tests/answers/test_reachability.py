"""Every engine function that answers a business question is reachable from a customer question
(called from bot/answers/) and listed in bot/engine/README.md — or the README says why not."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.engine import haas, license_maintenance, phone_answering, remote_support, rental
from tests.engine.common import public_functions

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "bot" / "engine" / "README.md").read_text(encoding="utf-8")
ANSWERS = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "bot" / "answers").glob("*.py"))
ALIASES = {remote_support: "rs", license_maintenance: "lm", haas: "hx", rental: "rt", phone_answering: "pa"}


def _public_functions(module):
    """The public functions the service module defines (a package's: all its chapters'); each must be
    re-exported by the package, as the answers call them `lm.renewal_fee(...)`."""
    functions = public_functions(module)
    assert functions, f"no public function found in {module.__name__}"
    for name, f in functions.items():
        assert getattr(module, name, None) is f, f"{f.__module__}.{name} is not re-exported by {module.__name__}"
    return sorted(name for name in functions if name != "legacy_note")


@pytest.mark.parametrize("module", list(ALIASES), ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_every_engine_function_is_reachable_or_explained(module):
    row = next(line for line in README.splitlines() if line.startswith(f"| `{module.__name__.rsplit('.', 1)[-1]}`"))
    for name in _public_functions(module):
        assert f"`{name}" in row, f"{module.__name__}.{name} is not listed in bot/engine/README.md"
        called = re.search(rf"\b{ALIASES[module]}\.{name}\(", ANSWERS)
        explained = re.search(rf"`{name}`[^|;]*not reachable[^|;]*: ", row)
        assert called or explained, f"{module.__name__}.{name}: no customer question reaches it and the README says not why"
