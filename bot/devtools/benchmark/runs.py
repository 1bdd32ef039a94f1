"""The measured runs of `make bench`: customer levels against one setup, and fault runs under load."""
from __future__ import annotations

import asyncio
import math
import os
import time
from typing import Dict, List

from bot.devtools.benchmark import faults, load, memory, resources, traffic
from bot.devtools.benchmark.cluster import Cluster
from bot.devtools.benchmark.servers import SingleServer

FAULT_CUSTOMERS, ACTION_DOWN_S = 32, 10.0


def ms(seconds: float) -> str:
    return "-" if math.isnan(seconds) else f"{seconds * 1000:.0f}"


def mb(value: int) -> str:
    return f"{value / 2**20:.0f}"


def run_levels(name: str, url: str, levels: List[int], corpus: traffic.Corpus, tokens: Dict[str, str],
               messages: int, time_cap: float, rasa_pids, action_pids, log=print) -> List[dict]:
    rows = []
    warm = asyncio.run(load.warm_up(url, traffic.customer_script(corpus, 10_000, 12, tokens), f"warm-{name}"))
    log(f"  {name}: warm-up (12 messages, not measured) {warm:.1f} s")
    for position, level in enumerate(levels):
        scripts = [traffic.customer_script(corpus, i, messages, tokens) for i in range(level)]
        prefix = f"bench-{name}-{level}-{int(time.time())}"
        cpu_before = (resources.total_cpu(rasa_pids()), resources.total_cpu(action_pids()))
        result = asyncio.run(load.run_level(url, scripts, prefix, time_cap))
        cpu_rasa = resources.total_cpu(rasa_pids()) - cpu_before[0]
        cpu_actions = resources.total_cpu(action_pids()) - cpu_before[1]
        done = max(1, result.ok + result.errors)
        row = {
            "setup": name, "customers": level, "messages": result.ok + result.errors,
            "p50 ms": ms(result.pct(50)), "p95 ms": ms(result.pct(95)), "p99 ms": ms(result.pct(99)),
            "msg/s": f"{result.throughput:.1f}", "errors": result.errors, "no reply": result.empty,
            "Rasa RSS MB": mb(resources.total_rss(rasa_pids())),
            "actions RSS MB": mb(resources.total_rss(action_pids())),
            "Rasa CPU ms/msg": f"{cpu_rasa / done * 1000:.0f}",
            "actions CPU ms/msg": f"{cpu_actions / done * 1000:.0f}",
            "load": f"{os.getloadavg()[0]:.1f}",
            "_result": result,
        }
        if position == len(levels) - 1:  # what the Rasa server's memory consists of, after its last level
            live = [p for p in rasa_pids() if p and resources.rss_bytes(p)]
            row["_smaps"] = memory.smaps_breakdown(live[0]) if live else {}
            row["_rss_each"] = {"rasa": [resources.rss_bytes(p) for p in live],
                                "actions": [resources.rss_bytes(p) for p in action_pids() if p]}
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


_CLEAN = None


def stored_text(text: str) -> str:
    """The text as the hardened channel stores it (bot.channels.guard.clean_text: phone numbers masked)."""
    global _CLEAN
    if _CLEAN is None:
        from bot.channels import guard  # imports Rasa (~10 s): only when faults are run

        _CLEAN = guard.clean_text
    cleaned, _ = _CLEAN(text)
    return cleaned if cleaned is not None else text


def fault_scripts(corpus: traffic.Corpus, tokens: Dict[str, str], customers: int = FAULT_CUSTOMERS,
                  length: int = 400) -> List[List[traffic.Message]]:
    return [faults.unique_script(corpus, i, length, tokens) for i in range(customers)]


def run_fault(name: str, url: str, scripts, action, db_url: str, reader: bool, log) -> faults.FaultResult:
    """`action(result)`: an async function doing the fault and setting result.fault_at / restart_at / back_at."""
    prefix = "fault-" + "".join(c if c.isalnum() else "-" for c in name.split(" for ")[0])[:40] + f"-{int(time.time())}"
    result = faults.FaultResult(name)
    tracker = faults.TrackerReader(db_url) if reader else None
    try:
        asyncio.run(faults.drive(url, scripts, prefix, action, result, reader=tracker, clean=stored_text))
    finally:
        if tracker is not None:
            tracker.close()
    time.sleep(3)  # turns still being processed (a slow apology is sent while Rasa goes on)
    for attempt in range(10):
        try:
            result.turns = faults.check_turns(result.sent(), faults.stored_turns(db_url, prefix))
            break
        except Exception as exc:  # the database may still be coming back
            result.note = f"tracker check: {type(exc).__name__}"
            time.sleep(2)
    row = result.row()
    log(f"  fault '{name}' ({len(scripts)} customers): {row['replies']} replies, {row['apologies']} apologies, "
        f"{row['lost replies']} lost, {row['failed requests (recovered)']} failed requests recovered by the client "
        f"({row['answers read from tracker']} answers read from the tracker); turns lost {row['turns lost']}, "
        f"not stored after an apology {row['turns not stored after apology']}, duplicated {row['turns duplicated']}, "
        f"reordered conversations {row['reordered conversations']}; slowest answer after the fault "
        f"{row['slowest answer s']} s; back up after {row['back up after s']} s; "
        f"answers normal again {row['normal again after s']} s after the restart {result.note}")
    return result


def action_server_fault(server: SingleServer, warm: float = 5.0, down: float = ACTION_DOWN_S):
    async def fault(result: faults.FaultResult) -> None:
        await asyncio.sleep(warm)
        result.fault_at = time.monotonic()
        await faults.in_thread(server.kill_actions)
        await asyncio.sleep(down)
        result.restart_at = time.monotonic()
        await faults.in_thread(lambda: server.start_actions(wait=120))
        result.back_at = time.monotonic()
    return fault


def rasa_kill_fault(cluster: Cluster, warm: float = 5.0):
    async def fault(result: faults.FaultResult) -> None:
        await asyncio.sleep(warm)
        result.fault_at = result.restart_at = time.monotonic()  # not restarted: counted from the kill
        cluster.kill_rasa(0)
    return fault


def postgres_fault(cluster: Cluster, warm: float = 5.0):
    async def fault(result: faults.FaultResult) -> None:
        await asyncio.sleep(warm)
        result.fault_at = result.restart_at = time.monotonic()  # pg_ctl restart: stop, then start
        await faults.in_thread(cluster.restart_postgres)
        result.back_at = time.monotonic()
    return fault
