"""A throw-away sixth service, ペットケア `pet_care` (contract numbers PC-0001, FAQ prefix pc), for the tests
that show what adding a service touches (DEVELOPERS.md, "Adding a service").

`REGISTRY` is Python source that, run first in a fresh interpreter, replaces `bot.engine.services` by the
real registry plus one line; `run(script)` runs it and then `script` in a subprocess (the registry and
every list derived from it are built at import, so the change cannot be undone in the test process).
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

REGISTRY = r'''
import re, sys, types
from pathlib import Path
import bot
source = Path(bot.__file__).with_name("engine").joinpath("services.py").read_text(encoding="utf-8")
source, n1 = re.subn(r"(\n    PHONE_ANSWERING = .*\n)", r'\1    PET_CARE = "pet_care"\n', source)
source, n2 = re.subn(r"(\n    ServiceInfo\(Service\.PHONE_ANSWERING, .*\n)",
                     r'\1    ServiceInfo(Service.PET_CARE, "ペットケア", "ペットケア窓口", "PC", "pc", "005"),\n', source)
assert n1 == n2 == 1
module = types.ModuleType("bot.engine.services")
module.__file__ = str(Path(bot.__file__).with_name("engine") / "services.py")
sys.modules["bot.engine.services"] = module
exec(compile(source, module.__file__, "exec"), module.__dict__)


def add_module(name, source):
    """A module made from source, as if it were a file of the project (what the checklist asks for)."""
    made = types.ModuleType(name)
    sys.modules[name] = made
    exec(compile(source, f"<{name}>", "exec"), made.__dict__)
    return made
'''


def run(script: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-c", REGISTRY + script], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)
