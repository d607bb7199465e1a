"""Memory and CPU of a crawl process and its worker processes, for the benchmarks."""
from __future__ import annotations

import psutil


def tree_rss(proc: psutil.Process) -> int:
    """Resident memory of a process and all its descendants, in bytes."""
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def cpu_seconds(proc: psutil.Process, seen: dict[int, float]) -> None:
    """Remember the latest CPU time of a process and of each descendant (by pid): a
    worker's time must be read while it is alive."""
    for p in [proc, *proc.children(recursive=True)]:
        try:
            t = p.cpu_times()
            seen[p.pid] = t.user + t.system
        except psutil.Error:
            pass
