"""What the resident memory of a server process consists of (`make bench`, issue #17).

* ``smaps_breakdown(pid)``: /proc/<pid>/smaps summed per kind of mapping: TensorFlow's shared
  libraries, other shared libraries, mapped data files (dictionaries, the model), anonymous memory
  (the Python heap, TensorFlow's allocations, thread stacks).
* ``import_profile(model)``: a fresh Python process that imports what a Rasa server imports, step by
  step, and loads the model, reading its RSS after each step: which import costs what.
"""
from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Dict, List, Tuple

KINDS = ("TensorFlow libraries", "other shared libraries", "mapped files", "anonymous (heap, stacks)")


def kind_of(path: str) -> str:
    if not path or path.startswith("[") or path == "(deleted)":
        return KINDS[3]
    if "tensorflow" in path or "libtensorflow" in path:
        return KINDS[0]
    name = path.rsplit("/", 1)[-1]
    if ".so" in name:
        return KINDS[1]
    return KINDS[2]


def parse_smaps(text: str) -> Dict[str, int]:
    """Bytes of RSS per kind (KINDS) from the text of /proc/<pid>/smaps."""
    totals = {k: 0 for k in KINDS}
    current = KINDS[3]
    for line in text.splitlines():
        head = line.split(None, 1)[0] if line.strip() else ""
        if "-" in head and not head.endswith(":"):  # a mapping header: "start-end perms offset dev inode [path]"
            parts = line.split(None, 5)
            current = kind_of(parts[5].strip() if len(parts) > 5 else "")
        elif head == "Rss:":
            totals[current] += int(line.split()[1]) * 1024
    return totals


def smaps_breakdown(pid: int) -> Dict[str, int]:
    try:
        return parse_smaps(Path(f"/proc/{pid}/smaps").read_text())
    except OSError:
        return {k: 0 for k in KINDS}


_PROFILE = r"""
import json, os, sys, time
def rss():
    for line in open('/proc/self/status'):
        if line.startswith('VmRSS:'):
            return int(line.split()[1]) * 1024
steps = [("python + bot.settings", None)]
out = []
import bot.settings
out.append(("python interpreter + bot.settings", rss()))
import tensorflow
out.append(("import tensorflow (Rasa imports it for every server)", rss()))
import rasa.core.agent, rasa.engine.recipes.default_components, sanic
out.append(("import rasa (agent, default components) + sanic", rss()))
import spacy
out.append(("import spacy", rss()))
import fugashi, unidic_lite
from bot.nlu.japanese import segment
segment("料金を確認したい")
out.append(("fugashi + UniDic-lite dictionary (first use)", rss()))
from rasa.core.agent import Agent
agent = Agent.load(sys.argv[1])
out.append(("load the model (Agent.load)", rss()))
print(json.dumps(out))
"""


def import_profile(model: Path, python: Path, env: Dict[str, str], cwd: Path, timeout: float = 300) -> List[Tuple[str, int]]:
    """[(step, RSS bytes after it)] of a fresh process importing what a Rasa server imports."""
    result = subprocess.run([str(python), "-c", _PROFILE, str(model)], cwd=cwd, env=env, capture_output=True,
                            text=True, timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError(result.stderr.strip()[-400:])
    return [(name, int(value)) for name, value in json.loads(result.stdout.strip().splitlines()[-1])]


def deltas(profile: List[Tuple[str, int]]) -> List[Tuple[str, int, int]]:
    """[(step, RSS after, increase over the previous step)]."""
    out, previous = [], 0
    for name, value in profile:
        out.append((name, value, value - previous))
        previous = value
    return out
