"""The stock Rasa 3.6 peer of `make bench` and `make eval` (issue #17).

Same training data (data/, rules/) and domain (domain.yml) as Madoguchi, trained with Rasa's default
recipe and Rasa's own components (bot/devtools/benchmark/peer/config.yml: the project's tokenizer, Rasa's
CountVectorsFeaturizer on words and char_wb 1-3-grams, DIETClassifier, ResponseSelector,
FallbackClassifier; MemoizationPolicy + RulePolicy + TEDPolicy), served with Rasa's own REST channel
(bot/devtools/benchmark/peer/credentials.yml) and Rasa's own SQL tracker store, calling the same action server.
None of Madoguchi's Rasa-side speed-ups (bot.rasa_ext, bot.tracker_store) is loaded by it.

Trained once and cached: var/bench/peer/stock-<hash of the inputs>.tar.gz, with the training time in
var/bench/peer/training.json. `make bench` and `make eval` share that model.
"""
from __future__ import annotations

import hashlib
import json
import os
import resource
import subprocess
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Dict, Optional, Tuple

import yaml

from bot import settings
from bot.devtools.benchmark.servers import ROOT, VENV_BIN, base_env

PEER_DIR = Path(__file__).resolve().parent / "peer"
CONFIG = PEER_DIR / "config.yml"
CREDENTIALS = PEER_DIR / "credentials.yml"
CACHE = settings.VAR_DIR / "bench" / "peer"
RECORD = CACHE / "training.json"
# what the peer model is trained from: its configuration, the project's domain and data, the tokenizer code
INPUTS = [CONFIG, ROOT / "domain.yml", ROOT / "data", ROOT / "rules", ROOT / "bot" / "nlu" / "tokenizer.py",
          ROOT / "bot" / "nlu" / "japanese.py", ROOT / "bot" / "nlu" / "normalize.py"]


def inputs_hash(inputs=INPUTS) -> str:
    digest = hashlib.sha256()
    for path in inputs:
        files = sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts) \
            if path.is_dir() else [path]
        for file in files:
            if file.exists():
                digest.update(str(file.relative_to(ROOT) if file.is_relative_to(ROOT) else file).encode())
                digest.update(b"\0")
                digest.update(file.read_bytes())
                digest.update(b"\0")
    return digest.hexdigest()[:12]


def model_path(digest: Optional[str] = None) -> Path:
    return CACHE / f"stock-{digest or inputs_hash()}.tar.gz"


def training_settings(config: Path = CONFIG) -> str:
    """The epochs of the peer's trained components, e.g. 'DIETClassifier 30, ResponseSelector 30, TEDPolicy 20'."""
    data = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
    parts = [f"{item['name']} {item['epochs']} epochs" for item in (data.get("pipeline") or []) + (data.get("policies") or [])
             if isinstance(item, dict) and "epochs" in item]
    return ", ".join(parts)


def recorded() -> Dict:
    try:
        return json.loads(RECORD.read_text())
    except (OSError, ValueError):
        return {}


def ensure_model(log: Callable[[str], None] = print, timeout: float = 3600, retrain_stale: bool = False
                 ) -> Tuple[Path, str]:
    """The cached peer model and a line saying how it was trained. Trained now when there is none, or
    when its inputs changed and `retrain_stale` (else the cached one is used, and the line says so:
    several people edit the training data, and a benchmark run must not turn into a 10-minute training)."""
    digest = inputs_hash()
    path = model_path(digest)
    record = recorded()
    cached = CACHE / str(record.get("model", ""))
    if record.get("model") and cached.exists() and (record.get("inputs") == digest or not retrain_stale):
        stale = "" if record.get("inputs") == digest else (
            "; the training data or configuration changed since: not retrained (--peer-train retrains)")
        return cached, (f"stock peer trained in {record['seconds']:.0f} s on {record['date']} "
                        f"(cached {cached.relative_to(ROOT) if cached.is_relative_to(ROOT) else cached}; "
                        f"{record.get('settings') or training_settings()}{stale})")
    CACHE.mkdir(parents=True, exist_ok=True)
    log(f"  training the stock Rasa peer ({training_settings()}); once, cached under {CACHE}")
    # training uses every core (serving uses one TensorFlow thread per op, as the Makefile)
    threads = str(os.cpu_count() or 2)
    env = base_env({"RASA_CACHE_DIRECTORY": str(CACHE / "cache"), "TF_INTRA_OP_PARALLELISM_THREADS": threads,
                    "TF_INTER_OP_PARALLELISM_THREADS": threads})
    started = time.perf_counter()
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = subprocess.run(
        [str(VENV_BIN / "rasa"), "train", "--force", "--config", str(CONFIG), "--domain", "domain.yml",
         "--data", "data", "rules", "--out", str(CACHE), "--fixed-model-name", path.name[:-len(".tar.gz")]],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    seconds = time.perf_counter() - started
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    (CACHE / "train.log").write_text(result.stdout[-20000:] + "\n" + result.stderr[-20000:], encoding="utf-8")
    if result.returncode != 0 or not path.exists():
        raise RuntimeError(f"training the stock peer failed ({result.returncode}): {result.stderr.strip()[-400:]}")
    date = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    RECORD.write_text(json.dumps({"inputs": digest, "seconds": round(seconds, 1), "cpu_seconds": round(cpu, 1), "date": date,
                                  "settings": training_settings(), "model": path.name}))
    for old in CACHE.glob("stock-*.tar.gz"):  # keep only the current one
        if old != path:
            old.unlink(missing_ok=True)
    return path, f"stock peer trained now in {seconds:.0f} s, {cpu:.0f} CPU s ({training_settings()})"


def heldout_accuracy(texts, gold, predict, score, retrain_stale: bool = False) -> Tuple[Dict, str]:
    """`make eval --peer`: the stock peer's held-out accuracy, scored like Madoguchi's
    (`predict`/`score`: bot.devtools.evaluation's own functions). Trains the peer first when there is
    none, or when its cache is stale and `retrain_stale` (evaluation's --peer-train)."""
    import asyncio

    path, note = ensure_model(retrain_stale=retrain_stale)
    predictions = asyncio.run(predict(path, texts))
    scores = score(gold, [p for p, _, _ in predictions])
    scores["model"] = path.name
    scores["trained"] = note
    return scores, note
