"""`parse`: the real trained model's parse of one text (models/madoguchi.tar.gz, or MADOGUCHI_TEST_MODEL),
for the tests that check what customers' messages become; skipped when no model is trained."""
from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path

import pytest

from bot.settings import PROJECT_ROOT

MODEL = Path(os.environ.get("MADOGUCHI_TEST_MODEL") or PROJECT_ROOT / "models" / "madoguchi.tar.gz")


@pytest.fixture(scope="package")
def parse():
    if not MODEL.exists():
        pytest.skip(f"no trained model at {MODEL} (make train)")
    from rasa.core.agent import Agent
    from rasa.utils.common import configure_logging_and_warnings

    configure_logging_and_warnings(logging.WARNING)
    agent = Agent.load(str(MODEL))
    loop = asyncio.new_event_loop()
    yield lambda text: loop.run_until_complete(agent.parse_message(text))
    loop.close()
