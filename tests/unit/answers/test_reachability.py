"""Every engine function that answers a business question is reachable from a customer question
(called from bot/answers/) and listed in bot/engine/README.md — or the README says why not."""
from __future__ import annotations

import importlib
import re

import pytest

from bot.engine.services import SERVICES
from tests.support.engine_contract import ANSWERS, public_functions, readme_row

# bot/answers imports each engine module under its service's FAQ prefix (bot.engine.services)
ALIASES = {importlib.import_module(f"bot.engine.{s.key.value}"): s.faq_prefix for s in SERVICES}


def _public_functions(module):
    """The public functions the service module defines (a package's: all its chapters'); each must be
    re-exported by the package, as the answers call them `cw.renewal_fee(...)`."""
    functions = public_functions(module)
    assert functions, f"no public function found in {module.__name__}"
    for name, f in functions.items():
        assert getattr(module, name, None) is f, f"{f.__module__}.{name} is not re-exported by {module.__name__}"
    return sorted(name for name in functions if name != "legacy_note")


@pytest.mark.parametrize("module", list(ALIASES), ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_every_engine_function_is_reachable_or_explained(module):
    row = readme_row(module)
    assert row, f"bot/engine/README.md has no row for {module.__name__}"
    for name in _public_functions(module):
        assert f"`{name}" in row, f"{module.__name__}.{name} is not listed in bot/engine/README.md"
        called = re.search(rf"\b{ALIASES[module]}\.{name}\(", ANSWERS)
        explained = re.search(rf"`{name}`[^|;]*not reachable[^|;]*: ", row)
        assert called or explained, f"{module.__name__}.{name}: no customer question reaches it and the README says not why"
