"""`make eval`'s last step: the README accuracy table and results/eval.html from results/eval-<set>.json.

The README part between `<!-- eval:begin -->` and `<!-- eval:end -->` is rewritten; results/eval.html
shows, per held-out set, the confusion matrix of the most confused labels and a histogram of the
classifier's confidence for right and wrong answers (as `rasa test nlu` draws them).
"""
from __future__ import annotations

import base64
import collections
import datetime as dt
import html
import io
import json
import re
from pathlib import Path
from typing import Any, Dict, List, Optional

from bot.devtools.evaluation import DEV_DIR, EVALUATION_SETS
from bot.engine import services
from bot.settings import PROJECT_ROOT

RESULTS = PROJECT_ROOT / "results"
README = PROJECT_ROOT / "README.md"
HTML = RESULTS / "eval.html"
SETS = tuple((d.name, f"`tests/{d.name}`" + (" (development set: its errors guide changes, not held out)"
                                               if d == DEV_DIR else "")) for d in EVALUATION_SETS)
SERVICES = tuple((s.key.value, s.name) for s in services.SERVICES) + (
    ("account", "account-specific questions"), ("general", "greetings, handoff, out of scope, service-less questions"))
BEGIN, END = "<!-- eval:begin -->", "<!-- eval:end -->"


def _load() -> Dict[str, Dict[str, Any]]:
    found = {}
    for name, _ in SETS:
        path = RESULTS / f"eval-{name}.json"
        if path.exists():
            found[name] = json.loads(path.read_text(encoding="utf-8"))
    return found


def _peer(result: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    """The stock-Rasa peer's scores (issue #17 adds them to the same file), if present."""
    for key in ("stock_rasa", "peer", "stock"):
        if isinstance(result.get(key), dict) and "accuracy" in result[key]:
            return result[key]
    return None


def _pct(value: Optional[float]) -> str:
    return "—" if value is None else f"{value * 100:.1f} %"


def table(results: Dict[str, Dict[str, Any]]) -> str:
    lines = [
        "| held-out set | messages | accuracy | answered right in the chat | answered directly | confident wrong "
        "| TF-IDF NN baseline | stock Rasa (DIET + ResponseSelector) | most frequent confident wrong answers |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, label in SETS:
        r = results.get(name)
        if not r:
            continue
        m, chat, peer = r["madoguchi"], r["madoguchi"].get("chat", {}), _peer(r)
        worst = "; ".join(f"{w['expected'].removeprefix('faq/')} → {str(w['answered']).removeprefix('faq/')} ×{w['count']}"
                          for w in chat.get("worst_confident_wrong", [])[:3]) or "—"
        peer_cell = _pct(peer["accuracy"]) if peer else "missing (not run)"
        lines.append(
            f"| {label} | {m['total']} | **{_pct(m['accuracy'])}** | {_pct(chat.get('chat_accuracy'))} "
            f"| {_pct(chat.get('direct_rate'))} | {_pct(chat.get('confident_wrong_rate'))} "
            f"| {_pct(r['baseline']['accuracy'])} | {peer_cell} | {worst} |"
        )
    notes = sorted({str(_peer(r).get("trained") or _peer(r).get("model") or "") for r in results.values() if _peer(r)} - {""})
    lines += [f"\nStock Rasa: {note}." for note in notes]
    lines += ["", "| service | " + " | ".join(label for name, label in SETS if name in results) + " |",
              "|---|" + "---|" * sum(name in results for name, _ in SETS)]
    for service, label in SERVICES:
        cells = []
        for name, _ in SETS:
            if name not in results:
                continue
            cell = results[name]["madoguchi"]["by_service"].get(service)
            base = results[name]["baseline"]["by_service"].get(service)
            cells.append(f"{_pct(cell['accuracy'])} (baseline {_pct(base['accuracy'])}, n={cell['total']})" if cell else "—")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def update_readme(results: Dict[str, Dict[str, Any]], readme: Path = README) -> bool:
    text = readme.read_text(encoding="utf-8")
    if BEGIN not in text or END not in text:
        return False
    stamp = f"Measured on {dt.date.today().isoformat()} by `make eval` (model `models/madoguchi.tar.gz`)."
    block = f"{BEGIN}\n{stamp}\n\n{table(results)}\n{END}"
    readme.write_text(re.sub(re.escape(BEGIN) + r".*?" + re.escape(END), lambda _: block, text, flags=re.S),
                      encoding="utf-8")
    return True


def _png(figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode()


def _figures(result: Dict[str, Any]) -> List[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    records = result["madoguchi"].get("messages") or []
    images = []
    right = [r["confidence"] for r in records if r["expected"] == r["predicted"]]
    wrong = [r["confidence"] for r in records if r["expected"] != r["predicted"]]
    figure, axis = plt.subplots(figsize=(6, 3))
    bins = np.linspace(0, 1, 21)
    axis.hist([right, wrong], bins=bins, label=[f"right ({len(right)})", f"wrong ({len(wrong)})"], color=["#4c9a2a", "#c0392b"])
    axis.set_xlabel("classifier confidence of its best label")
    axis.set_ylabel("messages")
    axis.set_yscale("log")
    axis.legend()
    images.append(_png(figure))
    plt.close(figure)
    pairs = collections.Counter((r["expected"], r["predicted"]) for r in records if r["expected"] != r["predicted"])
    labels: List[str] = []
    for (g, p), _ in pairs.most_common(12):
        for label in (g, p):
            if label not in labels:
                labels.append(label)
    labels = labels[:16]
    if labels:
        index = {label: i for i, label in enumerate(labels)}
        matrix = np.zeros((len(labels), len(labels)), dtype=int)
        for r in records:
            if r["expected"] in index and r["predicted"] in index:
                matrix[index[r["expected"]], index[r["predicted"]]] += 1
        figure, axis = plt.subplots(figsize=(7, 6))
        axis.imshow(matrix, cmap="Blues")
        short = [label.removeprefix("faq/") for label in labels]
        axis.set_xticks(range(len(labels)), short, rotation=90, fontsize=7)
        axis.set_yticks(range(len(labels)), short, fontsize=7)
        axis.set_xlabel("predicted")
        axis.set_ylabel("expected")
        for i in range(len(labels)):
            for j in range(len(labels)):
                if matrix[i, j]:
                    axis.text(j, i, str(matrix[i, j]), ha="center", va="center", fontsize=7,
                              color="white" if matrix[i, j] > matrix.max() / 2 else "black")
        images.append(_png(figure))
        plt.close(figure)
    return images


def write_html(results: Dict[str, Dict[str, Any]], path: Path = HTML) -> None:
    parts = ["<!doctype html><meta charset='utf-8'><title>Madoguchi NLU evaluation</title>",
             "<style>body{font-family:sans-serif;max-width:60em;margin:auto}table{border-collapse:collapse}"
             "td,th{border:1px solid #ccc;padding:2px 6px;font-size:90%}</style>",
             f"<h1>Madoguchi NLU evaluation ({dt.date.today().isoformat()})</h1>",
             "<p>Generated by <code>make eval</code>. Accuracy: the classifier's best label. In the chat: a right "
             "direct answer counts 1, a topic list or a choice of services holding the right answer ½; a wrong "
             "direct answer is a confident wrong answer.</p>"]
    for name, label in SETS:
        result = results.get(name)
        if not result:
            continue
        m, chat = result["madoguchi"], result["madoguchi"].get("chat", {})
        parts.append(f"<h2>{html.escape(label.strip('`'))} ({m['total']} messages)</h2>")
        parts.append(f"<p>accuracy {_pct(m['accuracy'])}, answered right in the chat {_pct(chat.get('chat_accuracy'))}, "
                     f"directly {_pct(chat.get('direct_rate'))}, confident wrong {_pct(chat.get('confident_wrong_rate'))}; "
                     f"TF-IDF baseline {_pct(result['baseline']['accuracy'])}.</p>")
        parts.append("<table><tr><th>expected</th><th>predicted</th><th>n</th></tr>" + "".join(
            f"<tr><td>{html.escape(c['expected'])}</td><td>{html.escape(c['predicted'])}</td><td>{c['count']}</td></tr>"
            for c in m["confusions"][:10]) + "</table>")
        try:
            for image in _figures(result):
                parts.append(f"<p><img alt='{html.escape(name)}' src='data:image/png;base64,{image}'></p>")
        except ImportError:  # matplotlib missing: the tables are still there
            parts.append("<p>(matplotlib not installed: no figures)</p>")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(parts), encoding="utf-8")


def main() -> int:
    results = _load()
    if not results:
        print("No results/eval-*.json: run `make eval`.")
        return 2
    print(table(results))
    write_html(results)
    print(f"\nWrote {HTML.relative_to(PROJECT_ROOT)}" + ("; README accuracy table updated." if update_readme(results)
                                                       else "; README has no eval markers, not updated."))
    return 0
