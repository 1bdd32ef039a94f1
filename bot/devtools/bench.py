"""Benchmark (`make bench`): realistic customer traffic against the REST channel, single server and
scaled-out cluster side by side, next to a stock Rasa 3.6 bot trained on the same data (bot/devtools/benchmark/peer.py),
and under faults (bot/devtools/benchmark/faults.py).

    python -m bot.devtools.bench [--levels 1,8,32,128] [--messages 40] [--time-cap 30] [--cluster-servers 2]
                        [--no-cluster] [--no-compare] [--no-peer] [--no-faults] [--train auto|run|skip]
                        [--doc PATH | --no-doc]

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
import os
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional, Tuple

SECRET = "madoguchi-bench-secret-not-for-production-0123456789"
os.environ.setdefault("MADOGUCHI_SECRET", SECRET)  # the servers we start get the same one

from bot.devtools.benchmark import document, faults, load, memory, peer, report, resources, traffic  # noqa: E402
from bot.devtools.benchmark import targets  # noqa: E402
from bot.devtools.benchmark.cluster import Cluster, skip_reason  # noqa: E402
from bot.devtools.benchmark.runs import (  # noqa: E402
    ACTION_DOWN_S, action_server_fault, best_throughput, fault_scripts, mb, postgres_fault, rasa_kill_fault,
    run_fault, run_levels,
)
from bot.devtools.benchmark.servers import MODEL, ROOT, VENV_BIN, SingleServer, base_env  # noqa: E402

# The dead server's Redis ticket lock blocks its conversation this long (scripts/cluster.sh default 20 s):
# with 20 s a customer whose turn was on the killed server waits past the channel's 12 s reply timeout.
CLUSTER_LOCK_LIFETIME = 10
DOC = ROOT / "docs" / "benchmarks.md"


def issue_tokens() -> Dict[str, str]:
    from bot.identity import tokens

    secret = os.environ["MADOGUCHI_SECRET"].encode()
    return {a: tokens.issue(a, minutes=180, secret=secret) for a in traffic.demo_account_ids()}


def parse_args(argv: Optional[List[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bot.devtools.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--levels", default="1,8,32,128", help="concurrent customers per level")
    parser.add_argument("--messages", type=int, default=40, help="messages per customer and level (bound)")
    parser.add_argument("--time-cap", type=float, default=30.0, help="seconds per level (cap)")
    parser.add_argument("--cluster-servers", type=int, default=2)
    parser.add_argument("--no-cluster", action="store_true", help="single server only")
    parser.add_argument("--no-compare", action="store_true",
                        help="skip the comparison setups (in-memory tracker store; Rasa's own SQL tracker store)")
    parser.add_argument("--no-peer", action="store_true", help="skip the stock Rasa peer")
    parser.add_argument("--peer-train", action="store_true",
                        help="retrain the stock peer when its training inputs changed (else the cached model is used)")
    parser.add_argument("--no-single", action="store_true", help="skip the single server (debugging the others)")
    parser.add_argument("--no-faults", action="store_true", help="skip the fault runs")
    parser.add_argument("--no-memory-profile", action="store_true", help="skip the import-by-import RSS profile")
    parser.add_argument("--train", choices=["auto", "run", "skip"], default="auto",
                        help="training time: auto = recorded value if the training inputs match, else train once")
    parser.add_argument("--doc", type=Path, default=DOC, help="Markdown results file (docs/benchmarks.md)")
    parser.add_argument("--no-doc", action="store_true")
    parser.add_argument("--previous-doc", type=Path, default=None,
                        help="the benchmark doc whose single-server figures this run is compared with (default --doc)")
    return parser.parse_args(argv)


class Run:
    """What one `make bench` run collects: its rows per setup, fault results and log."""

    def __init__(self, args: argparse.Namespace, corpus: traffic.Corpus, tokens: Dict[str, str]) -> None:
        self.args, self.corpus, self.tokens = args, corpus, tokens
        self.levels = [int(x) for x in args.levels.split(",") if x.strip()]
        self.log_lines: List[str] = []
        self.fault_results: List[faults.FaultResult] = []

    def log(self, line: str = "") -> None:
        print(line, flush=True)
        self.log_lines.append(line)

    def levels_of(self, name: str, server: SingleServer, levels: List[int]) -> List[dict]:
        return run_levels(name, server.url, levels, self.corpus, self.tokens, self.args.messages, self.args.time_cap,
                          lambda: [server.rasa.pid], lambda: [server.actions.pid], self.log)


def run_single(run: Run) -> List[dict]:
    run.log("single server (Rasa + action server, SQLite tracker store as `make run`: bot.tracker_store):")
    with SingleServer(tracker_store="sqlite") as single:
        rows = run.levels_of("single", single, run.levels)
        if not run.args.no_faults:
            run.fault_results.append(run_fault(
                f"single: action server killed for {ACTION_DOWN_S:.0f} s", single.url,
                fault_scripts(run.corpus, run.tokens), action_server_fault(single), f"sqlite:///{single.tracker_db}",
                False, run.log))
    return rows


def run_compare(run: Run) -> Tuple[List[dict], List[dict], List[dict]]:
    """In-memory store, Rasa's own SQL store, the JAX-less launcher: at 8 and 32 customers."""
    compare_levels = [lv for lv in run.levels if lv in (8, 32)] or run.levels[:1]
    run.log("single server, in-memory tracker store (what SQLite costs; not a deployable setup):")
    with SingleServer(tracker_store="memory") as mem:
        memory_compare = run.levels_of("single-memory", mem, compare_levels)
    run.log("single server with Rasa's own SQL tracker store (what bot.tracker_store's cache saves):")
    with SingleServer(tracker_store="sqlite-rasa") as plain:
        rasa_sql_rows = run.levels_of("single-rasa-sql", plain, compare_levels)
    run.log("single server started as `python -m bot.devtools.lean_rasa run` (Rasa's CLI without importing JAX; memory):")
    with SingleServer(tracker_store="sqlite", lean=True) as lean:
        lean_rows = run.levels_of("single-lean", lean, compare_levels)
    return memory_compare, rasa_sql_rows, lean_rows


def run_peer(run: Run, peer_model: Path, peer_note: str) -> Tuple[List[dict], str]:
    run.log("stock Rasa peer (bot/devtools/benchmark/peer: DIET + ResponseSelector, Memoization + Rule + TED policies, "
            "Rasa's REST channel and SQL tracker store on SQLite, the same action server):")
    try:
        with SingleServer(tracker_store="sqlite-rasa", model=peer_model, credentials=peer.CREDENTIALS) as stock:
            return run.levels_of("stock-rasa", stock, run.levels), peer_note
    except Exception as exc:  # report, keep the other numbers
        peer_note = f"stock peer failed: {str(exc)[:600]}"
        run.log(peer_note)
        return [], peer_note


def run_cluster(run: Run) -> Tuple[List[dict], str]:
    args = run.args
    if args.no_cluster:
        return [], "scaled-out setup skipped (--no-cluster)"
    if (reason := skip_reason()) is not None:
        return [], f"scaled-out setup skipped: {reason}"
    name = f"cluster-{args.cluster_servers}"
    run.log(f"scaled-out: nginx -> {args.cluster_servers} Rasa servers, PostgreSQL tracker store, Redis lock store "
            f"(TICKET_LOCK_LIFETIME={CLUSTER_LOCK_LIFETIME}):")
    cluster = Cluster(servers=args.cluster_servers, lock_lifetime=CLUSTER_LOCK_LIFETIME)
    cluster_rows: List[dict] = []
    try:
        started = time.perf_counter()
        cluster.up()
        run.log(f"  {name}: up in {time.perf_counter() - started:.0f} s")
        cluster_rows = run_levels(name, cluster.url, run.levels, run.corpus, run.tokens, args.messages, args.time_cap,
                                  cluster.rasa_pids, cluster.action_pids, run.log)
        if cluster_rows:  # the cluster's other processes (with their children: nginx worker, PostgreSQL backends)
            cluster_rows[-1]["_others"] = {n: resources.rss_bytes(cluster.pid(p)) for n, p in
                                           (("nginx", "nginx"), ("Redis", "redis"), ("PostgreSQL", "postgresql"))
                                           if cluster.pid(p)}
        if not args.no_faults:
            scripts = fault_scripts(run.corpus, run.tokens)
            run.fault_results.append(run_fault("cluster: Rasa server 0 killed", cluster.url, scripts,
                                               rasa_kill_fault(cluster), cluster.db_url(), True, run.log))
            run.fault_results.append(run_fault("cluster: PostgreSQL restarted", cluster.url, scripts,
                                               postgres_fault(cluster), cluster.db_url(), True, run.log))
    except Exception as exc:  # report, keep the single-server numbers
        return cluster_rows, f"scaled-out setup failed: {str(exc)[:600]}"
    finally:
        cluster.down()
    return cluster_rows, ""


def log_ratios(log, single_rows: List[dict], cluster_rows: List[dict], comparison: List[dict],
               others: List[Tuple[str, List[dict]]], cluster_servers: int) -> str:
    """Cluster/single, Madoguchi/stock and single vs the comparison setups; returns the summary's cluster part."""
    single_best = best_throughput(single_rows)
    ratio_text = "no cluster"
    if cluster_rows:
        cluster_best = best_throughput(cluster_rows)
        ratio = cluster_best / single_best if single_best else float("nan")
        per_level = ", ".join(
            f"x{c['customers']}: {c['_result'].throughput / s['_result'].throughput:.2f}"
            for s, c in zip(single_rows, cluster_rows) if s["_result"].throughput)
        ratio_text = f"{cluster_servers} servers {cluster_best:.1f} msg/s = {ratio:.2f}x single"
        log(f"throughput ratio cluster/single: best {ratio:.2f} ({cluster_best:.1f} vs {single_best:.1f} msg/s); "
            f"per level {per_level}")
    if comparison:
        log("throughput ratio Madoguchi/stock Rasa per level: " + ", ".join(
            f"x{c['customers']}: {c['ratio']}" for c in comparison))
    for label, other in others:
        pairs = [(s, m) for s in single_rows for m in other if s["customers"] == m["customers"]]
        if pairs:
            log(f"single (SQLite) vs {label}: " + ", ".join(
                f"x{s['customers']}: {s['msg/s']} vs {m['msg/s']} msg/s, p95 {s['p95 ms']} vs {m['p95 ms']} ms, "
                f"Rasa CPU {s['Rasa CPU ms/msg']} vs {m['Rasa CPU ms/msg']} ms/msg, "
                f"Rasa RSS {s['Rasa RSS MB']} vs {m['Rasa RSS MB']} MB" for s, m in pairs))
    return ratio_text


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    if not MODEL.exists():
        print(f"no model at {MODEL}: make train", file=sys.stderr)
        return 1
    run = Run(args, traffic.load_corpus(), {})
    log = run.log
    previous_doc = args.previous_doc or args.doc
    previous = report.previous_throughput(previous_doc.read_text(encoding="utf-8")) if previous_doc.exists() else {}
    info = report.machine()
    log(f"Madoguchi benchmark, {info['date']}: {info['nproc']} CPUs ({info['cpu']}), {info['memory']}, "
        f"load average at start {info['load']}; speed probe (fixed Python loop, lower is faster) "
        f"{report.speed_probe():.2f} s")
    train_seconds, train_source = report.training_time(args.train)
    model_mb = MODEL.stat().st_size / 2**20
    log(f"model: {MODEL.relative_to(ROOT)} {model_mb:.1f} MB; training time: "
        f"{'-' if train_seconds is None else f'{train_seconds:.0f} s'} ({train_source})")
    peer_model, peer_note = None, ""
    if not args.no_peer:
        try:
            peer_model, peer_note = peer.ensure_model(log, retrain_stale=args.peer_train)
            log(f"peer: {peer_note}")
        except Exception as exc:
            peer_note = f"stock peer skipped: {str(exc)[:400]}"
            log(peer_note)
    corpus = run.corpus
    log(f"traffic: held-out texts {corpus.counts()}, mix {traffic.MIX}; "
        f"{args.messages} messages per customer in conversations of {load.CONVERSATION_LENGTH}, "
        f"time cap {args.time_cap:.0f} s per level")
    run.tokens.update(issue_tokens())

    single_rows = [] if args.no_single else run_single(run)
    memory_compare, rasa_sql_rows, lean_rows = ([], [], []) if args.no_compare else run_compare(run)
    peer_rows, peer_note = run_peer(run, peer_model, peer_note) if peer_model is not None else ([], peer_note)
    cluster_rows, cluster_note = run_cluster(run)
    rows = single_rows + memory_compare + rasa_sql_rows + lean_rows + peer_rows + cluster_rows
    if cluster_note:
        log(cluster_note)

    profile = []
    if not args.no_memory_profile:
        try:
            profile = memory.deltas(memory.import_profile(MODEL, VENV_BIN / "python", base_env(), ROOT))
        except Exception as exc:
            log(f"memory profile failed: {str(exc)[:300]}")

    log(f"speed probe at the end: {report.speed_probe():.2f} s; load average {'%.2f %.2f %.2f' % os.getloadavg()}")
    log()
    log(report.text_table(rows))
    log()
    comparison = report.peer_comparison(single_rows, peer_rows)
    if comparison:
        log(report.text_table(comparison, report.PEER_COLUMNS))
        log()
    fault_results = run.fault_results
    if fault_results:
        log(report.text_table([f.row() for f in fault_results], faults.FAULT_COLUMNS))
        log()
    mem_rows = document.memory_rows(rows, profile)
    if mem_rows:
        log(report.text_table(mem_rows, report.MEMORY_COLUMNS))
    if profile:
        log("RSS of a fresh process importing what a Rasa server imports: " + "; ".join(
            f"{name} {mb(value)} MB (+{mb(delta)})" for name, value, delta in profile))
    log()

    checks = targets.checks(single_rows, comparison, fault_results)
    for label, ok, value in checks:
        log(f"target {label}: {'PASS' if ok else 'FAIL'} ({value})")
    if previous:
        log(report.previous_comparison(previous, {r["customers"]: r["_result"].throughput for r in single_rows},
                                       targets.PREVIOUS_TOLERANCE))
    ratio_text = log_ratios(log, single_rows, cluster_rows, comparison,
                            [("in-memory tracker store", memory_compare), ("Rasa's own SQL tracker store", rasa_sql_rows),
                             ("the same without JAX (bot.devtools.lean_rasa)", lean_rows)], args.cluster_servers)

    if not args.no_doc:
        document.write_doc(args.doc, info, rows, run.log_lines, train_seconds, train_source, model_mb, cluster_note,
                           args, comparison=comparison, fault_results=fault_results, mem_rows=mem_rows,
                           profile=profile, peer_note=peer_note)
        log(f"results written to {args.doc}")
        readme = ROOT / "README.md"
        if args.doc == DOC and readme.exists():  # the README's performance table (between its markers)
            block = report.readme_block(info["date"], info["load"], single_rows, peer_rows, cluster_rows, comparison,
                                        [f.row() for f in fault_results], checks)
            text = report.replace_block(readme.read_text(encoding="utf-8"), block)
            if text is not None:
                readme.write_text(text, encoding="utf-8")
                log("README.md performance table updated")

    print(targets.summary(single_rows, peer_rows, fault_results, checks, ratio_text, info["nproc"]), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
