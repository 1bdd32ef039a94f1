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
from bot.devtools.benchmark.servers import ROOT, VENV_BIN, base_env

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


def speed_probe(n: int = 2_000_000) -> float:
    """Seconds for a fixed pure-Python loop (lower = faster): how fast this shared VM is right now,
    so that runs at different times can be compared."""
    started = time.perf_counter()
    total = 0
    for i in range(n):
        total += i * i % 7
    return time.perf_counter() - started


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


PEER_COLUMNS = ["customers", "Madoguchi msg/s", "stock msg/s", "ratio", "Madoguchi p50/p95 ms", "stock p50/p95 ms",
                "Madoguchi CPU ms/msg", "stock CPU ms/msg", "Madoguchi RSS MB", "stock RSS MB", "errors M/S"]
MEMORY_COLUMNS = ["setup", "Rasa RSS MB (each)", "actions RSS MB (each)", "other processes MB", "TensorFlow libraries MB",
                  "other shared libraries MB", "mapped files MB", "anonymous (heap, stacks) MB"]


def peer_comparison(single_rows: List[dict], peer_rows: List[dict]) -> List[dict]:
    """Side by side per level: Madoguchi (single server) and the stock Rasa peer, and their ratio."""
    out = []
    for s in single_rows:
        p = next((r for r in peer_rows if r["customers"] == s["customers"]), None)
        if p is None:
            continue
        st, pt = s["_result"].throughput, p["_result"].throughput
        out.append({
            "customers": s["customers"], "Madoguchi msg/s": s["msg/s"], "stock msg/s": p["msg/s"],
            "ratio": f"{st / pt:.2f}" if pt else "-",
            "Madoguchi p50/p95 ms": f"{s['p50 ms']}/{s['p95 ms']}", "stock p50/p95 ms": f"{p['p50 ms']}/{p['p95 ms']}",
            "Madoguchi CPU ms/msg": s["Rasa CPU ms/msg"], "stock CPU ms/msg": p["Rasa CPU ms/msg"],
            "Madoguchi RSS MB": s["Rasa RSS MB"], "stock RSS MB": p["Rasa RSS MB"],
            "errors M/S": f"{s['errors']}/{p['errors']}", "_ratio": st / pt if pt else float("nan"),
        })
    return out



def text_table(rows: List[Dict[str, str]], columns: Optional[List[str]] = None) -> str:
    columns = columns or COLUMNS
    widths = {c: max(len(c), *(len(str(r.get(c, ""))) for r in rows)) if rows else len(c) for c in columns}
    lines = ["  ".join(c.rjust(widths[c]) if i else c.ljust(widths[c]) for i, c in enumerate(columns))]
    lines.append("  ".join("-" * widths[c] for c in columns))
    for row in rows:
        lines.append("  ".join(str(row.get(c, "")).rjust(widths[c]) if i else str(row.get(c, "")).ljust(widths[c])
                               for i, c in enumerate(columns)))
    return "\n".join(lines)


def markdown_table(rows: List[Dict[str, str]], columns: Optional[List[str]] = None) -> str:
    columns = columns or COLUMNS
    lines = ["| " + " | ".join(columns) + " |", "|" + "|".join("---" if i == 0 else "---:" for i in range(len(columns))) + "|"]
    for row in rows:
        lines.append("| " + " | ".join(str(row.get(c, "")) for c in columns) + " |")
    return "\n".join(lines)


def previous_throughput(doc: str, setup: str = "single") -> Dict[int, float]:
    """customers -> msg/s of `setup` in the results table of a previous docs/benchmarks.md."""
    lines = [line for line in doc.split("<!-- bench:results -->", 1)[0].splitlines() if line.startswith("|")]
    if not lines:
        return {}
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    if not {"setup", "customers", "msg/s"} <= set(header):
        return {}
    out: Dict[int, float] = {}
    for line in lines[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) != len(header):
            continue
        row = dict(zip(header, cells))
        if row["setup"] == setup:
            try:
                out[int(row["customers"])] = float(row["msg/s"])
            except ValueError:
                continue
    return out


def previous_comparison(previous: Dict[int, float], now: Dict[int, float], tolerance: float) -> str:
    """One line: this run's single-server throughput against the last recorded one, per level and best."""
    parts = [f"x{level}: {now[level]:.1f} vs {previous[level]:.1f} ({now[level] / previous[level] - 1:+.0%})"
             for level in sorted(now) if level in previous and previous[level]]
    best_now, best_before = max(now.values(), default=0.0), max(previous.values(), default=0.0)
    change = best_now / best_before - 1 if best_before else float("nan")
    verdict = "within" if abs(change) <= tolerance or change > 0 else "NOT within"
    return (f"single-server throughput vs the last recorded figures (previous docs/benchmarks.md): best {best_now:.1f} vs "
            f"{best_before:.1f} msg/s ({change:+.0%}, {verdict} {tolerance:.0%} or better); " + ", ".join(parts))


README_START, README_END = "<!-- bench:readme -->", "<!-- /bench:readme -->"


def readme_block(date: str, load: str, single: List[dict], peer: List[dict], cluster: List[dict],
                 comparison: List[dict], fault_rows: List[Dict[str, str]],
                 checks: Optional[List[Tuple[str, bool, str]]] = None) -> str:
    """The README's performance table (written by `make bench` between README_START and README_END)."""
    def at(rows: List[dict], level: int, key: str) -> str:
        row = next((r for r in rows if r["customers"] == level), None)
        return str(row[key]) if row else "-"

    ratio = {c["customers"]: c["ratio"] for c in comparison}
    lines = [README_START,
             f"Last `make bench` run: {date}, load average {load} at its start (2 shared vCPUs).", "",
             "| setup | msg/s at 8 customers | p95 at 8 | msg/s at 32 | msg/s at 128 | Rasa CPU ms/msg at 32 | Rasa RSS MB | errors |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for label, rows in (("Madoguchi, single server (`make run`)", single), ("stock Rasa 3.6 peer, same data", peer),
                        ("Madoguchi, 2 Rasa servers + nginx + PostgreSQL + Redis (`make cluster`)", cluster)):
        if rows:
            lines.append(f"| {label} | {at(rows, 8, 'msg/s')} | {at(rows, 8, 'p95 ms')} ms | {at(rows, 32, 'msg/s')} | "
                         f"{at(rows, 128, 'msg/s')} | {at(rows, 32, 'Rasa CPU ms/msg')} | {at(rows, 32, 'Rasa RSS MB')} | "
                         f"{sum(int(r['errors']) for r in rows)} |")
    if comparison:
        lines.append(f"| **ratio Madoguchi / stock Rasa** | **{ratio.get(8, '-')}** | | **{ratio.get(32, '-')}** | "
                     f"**{ratio.get(128, '-')}** | | | |")
    if fault_rows:
        lines += ["", "| fault under load (32 customers) | apologies | lost replies | turns lost / reordered | normal again after |",
                  "|---|---:|---:|---:|---:|"]
        for f in fault_rows:
            lines.append(f"| {f['fault']} | {f['apologies']} | {f['lost replies']} | {f['turns lost']} / "
                         f"{f['reordered conversations']} | {f['normal again after s']} s |")
    if checks:
        missed = [f"{label} ({value})" for label, ok, value in checks if not ok]
        lines += ["", f"Targets met in this run: {sum(ok for _, ok, _ in checks)} of {len(checks)}"
                  + (f"; missed: {'; '.join(missed)}." if missed else ".")]
    lines.append(README_END)
    return "\n".join(lines)


def replace_block(text: str, block: str) -> Optional[str]:
    """`text` with the part between the README markers replaced by `block`; None without markers."""
    if README_START not in text or README_END not in text:
        return None
    head, rest = text.split(README_START, 1)
    _, tail = rest.split(README_END, 1)
    return head + block + tail
