"""Benchmark (`make bench`): realistic customer traffic against the REST channel, single server and
scaled-out cluster side by side.

    python -m bot.bench [--levels 1,8,32,128] [--messages 20] [--time-cap 30] [--cluster-servers 2]
                        [--no-cluster] [--no-memory-compare] [--train auto|run|skip] [--doc PATH | --no-doc]

Traffic: held-out NLU texts (tests/nlu_heldout, never training data): FAQ questions, account questions
(half of the customers send a login token of a demo account), small talk, out-of-scope. Each simulated
customer is a chat window serving successive conversations of 10 messages (a new sender id each), and
sends its next message after the reply to the previous one; every level has a bound on messages per
customer and a time cap.

It starts and stops the servers itself on free loopback ports (temp dirs; var/ is not touched except
var/bench/training.json, the recorded training time). The last line of the output is a one-line summary.
"""
from __future__ import annotations

import argparse
import asyncio
import math
import os
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional

SECRET = "madoguchi-bench-secret-not-for-production-0123456789"
os.environ.setdefault("MADOGUCHI_SECRET", SECRET)  # the servers we start get the same one

from bot.benchmark import load, report, resources, traffic  # noqa: E402
from bot.benchmark.cluster import Cluster, skip_reason  # noqa: E402
from bot.benchmark.servers import MODEL, ROOT, SingleServer  # noqa: E402

TARGET_P95_MS, TARGET_LEVEL, TARGET_MPS = 150.0, 8, 50.0
DOC = ROOT / "docs" / "benchmarks.md"


def _ms(seconds: float) -> str:
    return "-" if math.isnan(seconds) else f"{seconds * 1000:.0f}"


def _mb(value: int) -> str:
    return f"{value / 2**20:.0f}"


def issue_tokens() -> Dict[str, str]:
    from bot.auth import tokens

    secret = os.environ["MADOGUCHI_SECRET"].encode()
    return {a: tokens.issue(a, minutes=180, secret=secret) for a in traffic.demo_account_ids()}


def run_levels(name: str, url: str, levels: List[int], corpus: traffic.Corpus, tokens: Dict[str, str],
               messages: int, time_cap: float, rasa_pids, action_pids, log=print) -> List[dict]:
    rows = []
    warm = asyncio.run(load.warm_up(url, traffic.customer_script(corpus, 10_000, 12, tokens), f"warm-{name}"))
    log(f"  {name}: warm-up (12 messages, not measured) {warm:.1f} s")
    for level in levels:
        scripts = [traffic.customer_script(corpus, i, messages, tokens) for i in range(level)]
        prefix = f"bench-{name}-{level}-{int(time.time())}"
        cpu_before = (resources.total_cpu(rasa_pids()), resources.total_cpu(action_pids()))
        result = asyncio.run(load.run_level(url, scripts, prefix, time_cap))
        cpu_rasa = resources.total_cpu(rasa_pids()) - cpu_before[0]
        cpu_actions = resources.total_cpu(action_pids()) - cpu_before[1]
        done = max(1, result.ok + result.errors)
        row = {
            "setup": name, "customers": level, "messages": result.ok + result.errors,
            "p50 ms": _ms(result.pct(50)), "p95 ms": _ms(result.pct(95)), "p99 ms": _ms(result.pct(99)),
            "msg/s": f"{result.throughput:.1f}", "errors": result.errors, "no reply": result.empty,
            "Rasa RSS MB": _mb(resources.total_rss(rasa_pids())),
            "actions RSS MB": _mb(resources.total_rss(action_pids())),
            "Rasa CPU ms/msg": f"{cpu_rasa / done * 1000:.0f}",
            "actions CPU ms/msg": f"{cpu_actions / done * 1000:.0f}",
            "load": f"{os.getloadavg()[0]:.1f}",
            "_result": result,
        }
        rows.append(row)
        by_cat = ", ".join(f"{k} {v * 1000:.0f}" for k, v in sorted(result.category_p50().items()))
        log(f"  {name} x{level}: {row['messages']} msgs in {result.duration:.1f} s"
            f"{' (time cap)' if result.capped else ''}, p50/p95 {row['p50 ms']}/{row['p95 ms']} ms, "
            f"{row['msg/s']} msg/s, {result.errors} errors; p50 by category (ms): {by_cat}")
        for sample in result.error_samples[:3]:
            log(f"    error: {sample}")
    return rows


def best_throughput(rows: List[dict]) -> float:
    return max((r["_result"].throughput for r in rows if r["_result"].errors == 0), default=0.0)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--levels", default="1,8,32,128", help="concurrent customers per level")
    parser.add_argument("--messages", type=int, default=40, help="messages per customer and level (bound)")
    parser.add_argument("--time-cap", type=float, default=30.0, help="seconds per level (cap)")
    parser.add_argument("--cluster-servers", type=int, default=2)
    parser.add_argument("--no-cluster", action="store_true", help="single server only")
    parser.add_argument("--no-compare", action="store_true",
                        help="skip the comparison setups (in-memory tracker store; Rasa's own SQL tracker store)")
    parser.add_argument("--train", choices=["auto", "run", "skip"], default="auto",
                        help="training time: auto = recorded value if the training inputs match, else train once")
    parser.add_argument("--doc", type=Path, default=DOC, help="Markdown results file (docs/benchmarks.md)")
    parser.add_argument("--no-doc", action="store_true")
    args = parser.parse_args(argv)
    levels = [int(x) for x in args.levels.split(",") if x.strip()]
    if not MODEL.exists():
        print(f"no model at {MODEL}: make train", file=sys.stderr)
        return 1

    log_lines: List[str] = []

    def log(line: str = "") -> None:
        print(line, flush=True)
        log_lines.append(line)

    info = report.machine()
    log(f"Madoguchi benchmark, {info['date']}: {info['nproc']} CPUs ({info['cpu']}), {info['memory']}, "
        f"load average at start {info['load']}")
    train_seconds, train_source = report.training_time(args.train)
    model_mb = MODEL.stat().st_size / 2**20
    log(f"model: {MODEL.relative_to(ROOT)} {model_mb:.1f} MB; training time: "
        f"{'-' if train_seconds is None else f'{train_seconds:.0f} s'} ({train_source})")
    corpus = traffic.load_corpus()
    log(f"traffic: held-out texts {corpus.counts()}, mix {traffic.MIX}; "
        f"{args.messages} messages per customer in conversations of {load.CONVERSATION_LENGTH}, "
        f"time cap {args.time_cap:.0f} s per level")
    tokens = issue_tokens()

    rows: List[dict] = []
    log("single server (Rasa + action server, SQLite tracker store as `make run`: bot.tracker_store):")
    with SingleServer(tracker_store="sqlite") as single:
        rows += run_levels("single", single.url, levels, corpus, tokens, args.messages, args.time_cap,
                           lambda: [single.rasa.pid], lambda: [single.actions.pid], log)
    single_rows = list(rows)

    memory_rows: List[dict] = []
    rasa_sql_rows: List[dict] = []
    compare_levels = [lv for lv in levels if lv in (8, 32)] or levels[:1]
    if not args.no_compare:
        log("single server, in-memory tracker store (what SQLite costs; not a deployable setup):")
        with SingleServer(tracker_store="memory") as mem:
            memory_rows = run_levels("single-memory", mem.url, compare_levels, corpus, tokens, args.messages,
                                     args.time_cap, lambda: [mem.rasa.pid], lambda: [mem.actions.pid], log)
        rows += memory_rows
        log("single server with Rasa's own SQL tracker store (what bot.tracker_store's cache saves):")
        with SingleServer(tracker_store="sqlite-rasa") as plain:
            rasa_sql_rows = run_levels("single-rasa-sql", plain.url, compare_levels, corpus, tokens, args.messages,
                                       args.time_cap, lambda: [plain.rasa.pid], lambda: [plain.actions.pid], log)
        rows += rasa_sql_rows

    cluster_rows: List[dict] = []
    cluster_note = ""
    if args.no_cluster:
        cluster_note = "scaled-out setup skipped (--no-cluster)"
    elif (reason := skip_reason()) is not None:
        cluster_note = f"scaled-out setup skipped: {reason}"
    else:
        name = f"cluster-{args.cluster_servers}"
        log(f"scaled-out: nginx -> {args.cluster_servers} Rasa servers, PostgreSQL tracker store, Redis lock store:")
        cluster = Cluster(servers=args.cluster_servers)
        try:
            started = time.perf_counter()
            cluster.up()
            log(f"  {name}: up in {time.perf_counter() - started:.0f} s")
            cluster_rows = run_levels(name, cluster.url, levels, corpus, tokens, args.messages, args.time_cap,
                                      cluster.rasa_pids, cluster.action_pids, log)
        except Exception as exc:  # report, keep the single-server numbers
            cluster_note = f"scaled-out setup failed: {str(exc)[:600]}"
        finally:
            cluster.down()
        rows += cluster_rows
    if cluster_note:
        log(cluster_note)

    log()
    table = report.text_table(rows)
    log(table)
    log()

    # Targets (2 cores, single server): p95 <= 150 ms at 8 customers, >= 50 msg/s sustained, zero errors.
    at_target = next((r for r in single_rows if r["customers"] == TARGET_LEVEL), None)
    p95 = at_target["_result"].pct(95) * 1000 if at_target else float("nan")
    single_best = best_throughput(single_rows)
    single_errors = sum(r["errors"] for r in single_rows)
    checks = [
        (f"p95 at {TARGET_LEVEL} customers <= {TARGET_P95_MS:.0f} ms", not math.isnan(p95) and p95 <= TARGET_P95_MS,
         "-" if math.isnan(p95) else f"{p95:.0f} ms"),
        (f">= {TARGET_MPS:.0f} msg/s sustained", single_best >= TARGET_MPS, f"{single_best:.1f} msg/s"),
        ("zero errors", single_errors == 0, f"{single_errors} errors"),
    ]
    for label, ok, value in checks:
        log(f"target {label}: {'PASS' if ok else 'FAIL'} ({value})")
    ratio_text = "no cluster"
    if cluster_rows:
        cluster_best = best_throughput(cluster_rows)
        ratio = cluster_best / single_best if single_best else float("nan")
        per_level = ", ".join(
            f"x{c['customers']}: {c['_result'].throughput / s['_result'].throughput:.2f}"
            for s, c in zip(single_rows, cluster_rows) if s["_result"].throughput)
        ratio_text = f"{args.cluster_servers} servers {cluster_best:.1f} msg/s = {ratio:.2f}x single"
        log(f"throughput ratio cluster/single: best {ratio:.2f} ({cluster_best:.1f} vs {single_best:.1f} msg/s); "
            f"per level {per_level}")
    for label, other in (("in-memory tracker store", memory_rows), ("Rasa's own SQL tracker store", rasa_sql_rows)):
        pairs = [(s, m) for s in single_rows for m in other if s["customers"] == m["customers"]]
        if pairs:
            log(f"single (SQLite) vs {label}: " + ", ".join(
                f"x{s['customers']}: {s['msg/s']} vs {m['msg/s']} msg/s, p95 {s['p95 ms']} vs {m['p95 ms']} ms, "
                f"Rasa CPU {s['Rasa CPU ms/msg']} vs {m['Rasa CPU ms/msg']} ms/msg" for s, m in pairs))

    if not args.no_doc:
        write_doc(args.doc, info, rows, log_lines, train_seconds, train_source, model_mb, cluster_note, args)
        log(f"results written to {args.doc}")

    passed = all(ok for _, ok, _ in checks)
    summary = (f"bench: single p95@{TARGET_LEVEL}={'-' if math.isnan(p95) else f'{p95:.0f}'}ms "
               f"best={single_best:.1f}msg/s errors={single_errors}; cluster: {ratio_text}; "
               f"targets {'PASS' if passed else 'FAIL'}; load avg {os.getloadavg()[0]:.1f} on {info['nproc']} CPUs")
    print(summary, flush=True)
    return 0


def write_doc(path: Path, info: dict, rows: List[dict], log_lines: List[str], train_seconds, train_source,
              model_mb: float, cluster_note: str, args) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    previous = path.read_text(encoding="utf-8") if path.exists() else ""
    marker = "<!-- bench:results -->"
    notes = previous.split(marker, 1)[1] if marker in previous else ""
    body = [
        "# Benchmarks",
        "",
        "Generated by `make bench` (`python -m bot.bench`); the section after the results marker is kept",
        "when the file is regenerated.",
        "",
        f"- date: {info['date']}",
        f"- machine: `nproc` = {info['nproc']}, memory {info['memory']}, CPU {info['cpu']}, Python {info['python']}",
        f"- load average when the run started: {info['load']} (shared machine: other work was running)",
        f"- model: `models/madoguchi.tar.gz`, {model_mb:.1f} MB; training time: "
        f"{'-' if train_seconds is None else f'{train_seconds:.0f} s'} ({train_source})",
        f"- traffic: held-out NLU texts, mix {traffic.MIX}; {args.messages} messages per customer in conversations of {load.CONVERSATION_LENGTH}, "
        f"time cap {args.time_cap:.0f} s per level; closed loop (next message after the reply)",
        f"- RSS: {resources.rss_source()}, at the end of each level, summed over a setup's Rasa servers / action servers",
        "",
        markdown_table_safe(rows),
        "",
        "```",
        *log_lines,
        "```",
        "",
    ]
    if cluster_note:
        body.insert(body.index("```"), f"{cluster_note}\n")
    path.write_text("\n".join(body) + "\n" + marker + (notes if notes else "\n"), encoding="utf-8")


def markdown_table_safe(rows: List[dict]) -> str:
    return report.markdown_table([{k: v for k, v in r.items() if not k.startswith("_")} for r in rows])


if __name__ == "__main__":
    sys.exit(main())
