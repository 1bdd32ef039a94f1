"""What `make bench` must reach (2 cores, single server) and the lines that say whether it did."""
from __future__ import annotations

import math
import os
from typing import List, Sequence, Tuple

from bot.devtools.benchmark import faults
from bot.devtools.benchmark.runs import best_throughput

TARGET_P95_MS, TARGET_LEVEL, TARGET_MPS = 150.0, 8, 50.0
# issue #17: Madoguchi / stock Rasa throughput at these levels, faults, and the previous figure (issue #16)
TARGET_PEER_RATIO, PEER_LEVELS = 1.5, (8, 32)
TARGET_RECOVERY_S = 15.0
PREVIOUS_TOLERANCE = 0.10

Check = Tuple[str, bool, str]  # label, passed, measured value


def p95_at_target(single_rows: List[dict]) -> float:
    at_target = next((r for r in single_rows if r["customers"] == TARGET_LEVEL), None)
    return at_target["_result"].pct(95) * 1000 if at_target else float("nan")


def checks(single_rows: List[dict], comparison: Sequence[dict], fault_results: Sequence[faults.FaultResult]
           ) -> List[Check]:
    # Targets (2 cores, single server): p95 <= 150 ms at 8 customers, >= 50 msg/s sustained, zero errors.
    p95 = p95_at_target(single_rows)
    single_best = best_throughput(single_rows)
    single_errors = sum(r["errors"] for r in single_rows)
    found = [
        (f"p95 at {TARGET_LEVEL} customers <= {TARGET_P95_MS:.0f} ms", not math.isnan(p95) and p95 <= TARGET_P95_MS,
         "-" if math.isnan(p95) else f"{p95:.0f} ms"),
        (f">= {TARGET_MPS:.0f} msg/s sustained", single_best >= TARGET_MPS, f"{single_best:.1f} msg/s"),
        ("zero errors", single_errors == 0, f"{single_errors} errors"),
    ]
    for level in PEER_LEVELS if comparison else ():
        c = next((c for c in comparison if c["customers"] == level), None)
        if c is not None:
            found.append((f"throughput >= {TARGET_PEER_RATIO} x stock Rasa at {level} customers",
                          c["_ratio"] >= TARGET_PEER_RATIO,
                          f"{c['ratio']}: {c['Madoguchi msg/s']} vs {c['stock msg/s']} msg/s"))
    for f in fault_results:
        rec = f.recovery
        found.append((f"{f.name}: 0 lost replies, 0 lost/duplicated/reordered turns",
                      f.count(faults.LOST) == 0 and not any(f.turns.get(k) for k in
                                                            ("lost", "duplicated", "reordered conversations"))
                      and bool(f.turns),
                      f"{f.count(faults.LOST)} lost replies, turns {f.turns or 'not checked'}"))
        found.append((f"{f.name}: answers normal <= {TARGET_RECOVERY_S:.0f} s after the restart",
                      rec is not None and rec <= TARGET_RECOVERY_S, "not by the end" if rec is None else f"{rec:.1f} s"))
    return found


def summary(single_rows: List[dict], peer_rows: List[dict], fault_results: Sequence[faults.FaultResult],
            found: List[Check], ratio_text: str, nproc) -> str:
    """The last line of `make bench`'s output."""
    p95 = p95_at_target(single_rows)
    single_best = best_throughput(single_rows)
    single_errors = sum(r["errors"] for r in single_rows)
    passed = all(ok for _, ok, _ in found)
    peer_best = best_throughput(peer_rows)
    peer_text = (f"peer: stock-rasa {peer_best:.1f} msg/s (ratio {single_best / peer_best:.2f})"
                 if peer_best else "peer: stock-rasa not run")
    lost = sum(f.count(faults.LOST) + f.turns.get("lost", 0) for f in fault_results)
    fault_text = (f"faults: lost {lost}, apologies {sum(f.count(faults.APOLOGY) for f in fault_results)}"
                  if fault_results else "faults: not run")
    return (f"bench: single p95@{TARGET_LEVEL}={'-' if math.isnan(p95) else f'{p95:.0f}'}ms "
            f"best={single_best:.1f}msg/s errors={single_errors}; cluster: {ratio_text}; {peer_text}; {fault_text}; "
            f"targets {'PASS' if passed else 'FAIL'}; load avg {os.getloadavg()[0]:.1f} on {nproc} CPUs")
