"""One live bot (production mode, see security_support.ProductionStack) for every attack test of
this directory; skipped with the reason when there is no trained model."""
from __future__ import annotations

import pytest

from security_support import MODEL, ProductionStack


@pytest.fixture(scope="session")
def bot(tmp_path_factory):
    if not MODEL.is_file():
        pytest.skip(f"no trained model at {MODEL} (run `make train`): the attack tests need a live bot")
    stack = ProductionStack(tmp_path_factory.mktemp("security"))
    try:
        stack.load_demo_accounts()
        stack.start_actions()
        stack.start_rasa()
    except Exception:
        stack.stop()
        raise
    yield stack
    stack.stop()
