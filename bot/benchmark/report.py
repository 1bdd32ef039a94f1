"""Machine description, result table (text and Markdown), training-time measurement."""
from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from bot import settings
from bot.benchmark.servers import ROOT, VENV_BIN, base_env

TRAINING_RECORD = settings.VAR_DIR / "bench" / "training.json"
TRAINING_INPUTS = ["config.yml", "domain.yml", "data", "rules", "bot/nlu"]


def machine() -> Dict[str, str]:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    try:
        nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    except OSError:
        nproc = str(os.cpu_count())
    return {"date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "nproc": nproc, "memory": mem,
            "cpu": cpu, "python": platform.python_version(), "load": "%.2f %.2f %.2f" % os.getloadavg()}


def inputs_hash() -> str:
    digest = hashlib.sha256()
    for name in TRAINING_INPUTS:
        path = ROOT / name
        files = sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts) \
            if path.is_dir() else [path]
        for file in files:
            if file.exists():
                digest.update(str(file.relative_to(ROOT)).encode())
                digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def training_time(mode: str) -> Tuple[Optional[float], str]:
    """(seconds, where the number comes from). mode: auto (recorded if its inputs match, else train),
    run (always train), skip."""
    if mode == "skip":
        return None, "not measured (--train skip)"
    current = inputs_hash()
    if mode == "auto" and TRAINING_RECORD.exists():
        try:
            record = json.loads(TRAINING_RECORD.read_text())
            if record.get("inputs") == current and record.get("cold_cache"):
                return float(record["seconds"]), f"recorded in {TRAINING_RECORD.relative_to(ROOT) if TRAINING_RECORD.is_relative_to(ROOT) else TRAINING_RECORD} on {record['date']}"
            stale = "recorded time is for other training data: "
        except (ValueError, KeyError, OSError):
            stale = "recorded time unreadable: "
    else:
        stale = ""
    with tempfile.TemporaryDirectory(prefix="mdg-train-") as out:
        # An empty training cache of its own: `--force` alone still reuses the components cached in
        # .rasa/cache (a warm retrain takes a fraction of the real time) and would fill that cache.
        env = base_env({"RASA_CACHE_DIRECTORY": str(Path(out) / "cache")})
        started = time.perf_counter()
        result = subprocess.run(
            [str(VENV_BIN / "rasa"), "train", "--force", "--config", "config.yml", "--domain", "domain.yml",
             "--data", "data", "rules", "--out", out, "--fixed-model-name", "bench"],
            cwd=ROOT, env=env, capture_output=True, text=True)
        seconds = time.perf_counter() - started
    if result.returncode != 0:
        return None, f"{stale}rasa train --force failed ({result.returncode}): {result.stderr.strip()[-300:]}"
    TRAINING_RECORD.parent.mkdir(parents=True, exist_ok=True)
    TRAINING_RECORD.write_text(json.dumps({"seconds": round(seconds, 1), "inputs": current, "cold_cache": True,
                                           "date": machine()["date"], "load": machine()["load"]}))
    return seconds, f"{stale}measured now: rasa train --force into a temp dir, empty training cache"


COLUMNS = ["setup", "customers", "messages", "p50 ms", "p95 ms", "p99 ms", "msg/s", "errors", "no reply",
           "Rasa CPU ms/msg", "actions CPU ms/msg", "Rasa RSS MB", "actions RSS MB", "load"]


def text_table(rows: List[Dict[str, str]]) -> str:
    widths = {c: max(len(c), *(len(str(r.get(c, ""))) for r in rows)) if rows else len(c) for c in COLUMNS}
    lines = ["  ".join(c.rjust(widths[c]) if i else c.ljust(widths[c]) for i, c in enumerate(COLUMNS))]
    lines.append("  ".join("-" * widths[c] for c in COLUMNS))
    for row in rows:
        lines.append("  ".join(str(row.get(c, "")).rjust(widths[c]) if i else str(row.get(c, "")).ljust(widths[c])
                               for i, c in enumerate(COLUMNS)))
    return "\n".join(lines)


def markdown_table(rows: List[Dict[str, str]]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "|".join("---" if i == 0 else "---:" for i in range(len(COLUMNS))) + "|"]
    for row in rows:
        lines.append("| " + " | ".join(str(row.get(c, "")) for c in COLUMNS) + " |")
    return "\n".join(lines)
