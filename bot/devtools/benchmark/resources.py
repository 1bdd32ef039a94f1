"""Resident memory of a server process and its children (psutil if installed, else /proc)."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Iterable, List


def _children(pid: int) -> List[int]:
    found: List[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return found


def _tree_sum(pid: int, include_children: bool, measure: Callable[[int], float]) -> float:
    """`measure` of `pid` plus, if asked, of its live descendants; a process whose /proc entry is
    gone or unreadable counts 0 (and its children are not visited)."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            total += measure(current)
        except (OSError, IndexError, ValueError):
            continue
        if include_children:
            todo += _children(current)
    return total


def rss_bytes(pid: int, include_children: bool = True) -> int:
    """RSS of `pid` (and its descendants: sanic workers), 0 when it is gone."""
    try:
        import psutil  # type: ignore
    except ImportError:
        psutil = None
    if psutil is not None:
        try:
            proc = psutil.Process(pid)
            procs = [proc] + (proc.children(recursive=True) if include_children else [])
            return sum(p.memory_info().rss for p in procs if p.is_running())
        except psutil.Error:
            return 0
    return _tree_sum(pid, include_children, _proc_rss)


def _proc_rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def total_rss(pids: Iterable[int]) -> int:
    return sum(rss_bytes(p) for p in pids if p)


def rss_source() -> str:
    try:
        import psutil  # noqa: F401
        return "psutil"
    except ImportError:
        return "/proc/<pid>/status VmRSS"


def cpu_seconds(pid: int, include_children: bool = True) -> float:
    """User + system CPU seconds used so far by `pid` (and its live descendants)."""
    ticks = os.sysconf("SC_CLK_TCK")

    def cpu(current: int) -> float:
        fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / ticks

    return float(_tree_sum(pid, include_children, cpu))


def total_cpu(pids: Iterable[int]) -> float:
    return sum(cpu_seconds(p) for p in pids if p)
