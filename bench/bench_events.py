"""Time the event extractor: milliseconds per 1,000 characters of article text.

    .venv/bin/python bench/bench_events.py [--rounds 20]

CPU time (process_time) is the figure; wall time is printed too. Runs over the gold articles (both seeds and the written ones), after one warm-up pass
that loads the data files (their one-off load time is printed separately).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from eval_events import load_gold  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=20)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    from pipelines.events import extract_events
    arts = load_gold()
    extract_events(arts[0]["text"], published=arts[0]["published"], timezone=arts[0]["timezone"])
    load_s = time.perf_counter() - t0
    chars = sum(len(a["text"]) for a in arts)
    per_round, wall = [], []
    for _ in range(args.rounds):
        t, w = time.process_time(), time.perf_counter()
        for a in arts:
            extract_events(a["text"], published=a.get("published"), timezone=a.get("timezone"))
        per_round.append(time.process_time() - t)
        wall.append(time.perf_counter() - w)
    med = statistics.median(per_round)
    long = [a for a in arts if len(a["text"]) > 1500]
    long_chars = sum(len(a["text"]) for a in long)
    long_rounds = []
    for _ in range(args.rounds):
        t = time.process_time()
        for a in long:
            extract_events(a["text"], published=a.get("published"), timezone=a.get("timezone"))
        long_rounds.append(time.process_time() - t)
    print(f"articles: {len(arts)}, characters: {chars}, rounds: {args.rounds}")
    print(f"first call (import + data load + one article): {load_s * 1000:.0f} ms")
    print(f"CPU time, median per round: {med * 1000:.1f} ms -> {med * 1000 / (chars / 1000):.2f} ms per 1,000 characters")
    print(f"wall time, median per round: {statistics.median(wall) * 1000 / (chars / 1000):.2f} ms per 1,000 characters "
          "(higher when other processes share the cores)")
    print(f"best round: {min(per_round) * 1000 / (chars / 1000):.2f} ms per 1,000 characters")
    if long:
        lm = statistics.median(long_rounds)
        print(f"long articles only ({len(long)}, {long_chars} characters): median "
              f"{lm * 1000 / (long_chars / 1000):.2f} ms per 1,000 characters "
              "CPU")
    # One very long input: the cost must stay linear in the length of the text.
    big = "\n\n".join(a["text"] for a in arts) * 6
    t = time.process_time()
    extract_events(big, published=arts[0]["published"], timezone=arts[0]["timezone"])
    big_s = time.process_time() - t
    print(f"one text of {len(big)} characters: {big_s * 1000:.0f} ms CPU -> "
          f"{big_s * 1000 / (len(big) / 1000):.2f} ms per 1,000 characters")
    try:
        print(f"load average now: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    except OSError:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
