"""Every engine function that answers a business question is reachable from a customer question
(called from bot/answers/) and listed in bot/engine/README.md — or the README says why not."""
from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest

from bot.engine import haas, license_maintenance, phone_answering, remote_support, rental

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "bot" / "engine" / "README.md").read_text(encoding="utf-8")
ANSWERS = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "bot" / "answers").glob("*.py"))
ALIASES = {remote_support: "rs", license_maintenance: "lm", haas: "hx", rental: "rt", phone_answering: "pa"}


def _public_functions(module):
    """The public functions the service module defines; a package's are those of all its submodules,
    and each must be re-exported by the package (the answers call them as `lm.renewal_fee(...)`)."""
    modules = [module]
    if hasattr(module, "__path__"):
        modules += [importlib.import_module(info.name)
                    for info in pkgutil.walk_packages(module.__path__, module.__name__ + ".")]
    names = set()
    for m in modules:
        for name, f in inspect.getmembers(m, inspect.isfunction):
            if f.__module__ == m.__name__ and not name.startswith("_") and name != "legacy_note":
                assert getattr(module, name, None) is f, f"{m.__name__}.{name} is not re-exported by {module.__name__}"
                names.add(name)
    assert names, f"no public function found in {module.__name__}"
    return sorted(names)


@pytest.mark.parametrize("module", list(ALIASES), ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_every_engine_function_is_reachable_or_explained(module):
    row = next(line for line in README.splitlines() if line.startswith(f"| `{module.__name__.rsplit('.', 1)[-1]}`"))
    for name in _public_functions(module):
        assert f"`{name}" in row, f"{module.__name__}.{name} is not listed in bot/engine/README.md"
        called = re.search(rf"\b{ALIASES[module]}\.{name}\(", ANSWERS)
        explained = re.search(rf"`{name}`[^|;]*not reachable[^|;]*: ", row)
        assert called or explained, f"{module.__name__}.{name}: no customer question reaches it and the README says not why"
