"""The live bots of the integration and e2e tests, one of each per session, started only when a test
asks for it; skipped with a clear reason when there is no trained model.

- `stack` / `live`: Rasa server + action server in development mode (tests.support.live_bot.Stack);
- `bot`: the same in production mode with REST and API tokens (tests.support.production_bot)."""
from __future__ import annotations

import pytest

from tests.support.live_bot import MODEL, Stack
from tests.support.production_bot import ProductionStack


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    if not MODEL.is_file():
        pytest.skip(f"no trained model at {MODEL} (run `make train`): the hardening server tests need it")
    s = Stack(tmp_path_factory.mktemp("hardening"))
    try:
        s.load_demo_accounts()
        s.start_actions()
        s.start_rasa()
    except Exception:
        s.stop()
        raise
    yield s
    s.stop()


@pytest.fixture
def live(stack):
    """The stack with both servers running (a fault test may have stopped one)."""
    if stack.actions is None or stack.actions.poll() is not None:
        stack.start_actions()
    if stack.rasa is None or stack.rasa.poll() is not None:
        stack.start_rasa()
    return stack


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
