"""Returning the C heap's free pages during a long crawl (pipelines/heap.py)."""
from __future__ import annotations

import os

import pytest

from pipelines import config, heap


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_periodic_trim_runs_once_per_interval_and_never_when_off():
    clock = FakeClock()
    every = heap.PeriodicTrim(30.0, clock=clock)
    assert every.enabled == heap.can_trim()
    assert not every.maybe()                # the interval has not passed yet
    clock.now += 29.9
    assert not every.maybe()
    clock.now += 0.2
    assert every.maybe() is heap.can_trim()
    assert not every.maybe()                # just trimmed: wait a whole interval again
    clock.now += 30.1
    every.maybe()
    assert every.trims == (2 if heap.can_trim() else 0)
    off = heap.PeriodicTrim(0, clock=clock)
    clock.now += 1e6
    assert not off.enabled and not off.maybe() and off.trims == 0


def test_interval_comes_from_the_environment_and_bad_values_are_refused():
    assert config.heap_trim_every({}) == config.DEFAULT_HEAP_TRIM_EVERY > 0
    assert config.heap_trim_every({"MARSAD_HEAP_TRIM_EVERY": "0"}) == 0
    assert config.heap_trim_every({"MARSAD_HEAP_TRIM_EVERY": "-5"}) == 0
    assert config.heap_trim_every({"MARSAD_HEAP_TRIM_EVERY": "2.5"}) == 2.5
    with pytest.raises(ValueError, match="MARSAD_HEAP_TRIM_EVERY must be a number"):
        config.heap_trim_every({"MARSAD_HEAP_TRIM_EVERY": "often"})


def _rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.skipif(not heap.can_trim(), reason="malloc_trim is glibc's; this C library has none")
def test_trim_gives_back_free_pages_that_lie_between_live_blocks():
    # Blocks of 4 KiB come from malloc's arenas (not mmap); keeping every 64th alive
    # leaves the freed ones as holes that free() alone never returns.
    blocks = [bytearray(4096) for _ in range(20_000)]
    for block in blocks:
        block[::512] = b"x" * 8             # touch every page, so it is resident
    kept = blocks[::64]
    del blocks
    before = _rss_bytes()
    assert heap.trim()
    given_back = before - _rss_bytes()
    freed = (20_000 - len(kept)) * 4096
    assert given_back > freed // 2, (before, given_back, freed)
    assert all(block[0] == ord("x") for block in kept)   # the live blocks are untouched
