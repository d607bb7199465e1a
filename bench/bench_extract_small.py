"""Extraction on the small generated fixture pages (the ones the load and peers benchmarks
crawl): Marsad's processing without events beside ``trafilatura.extract``, same pages,
one run.

    .venv/bin/python bench/bench_extract_small.py [-n 300] [--repeats 3] [--profile]

Prints ms per page (median of the repeats' means) for each and their ratio; ``--profile``
adds the functions Marsad spends its time in. The machine's load average is printed too:
compare ratios, not absolute figures, on a shared machine.
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import trafilatura  # noqa: E402

from fixturesite.generated import GeneratedSite  # noqa: E402
from pipelines.process import process_page  # noqa: E402
from pipelines.records import Article, Page  # noqa: E402


def pages(n: int) -> list[Page]:
    site = GeneratedSite("http://127.0.0.1:8000", n)
    return [Page(url=site.url(i), body=site.render(i).body, status=200, content_type="text/html; charset=utf-8",
                 source=site.source_id, fetched_at="2026-11-20T08:00:00Z", timezone=str(site.tz))
            for i in range(n)]


def per_page_ms(fn, items, repeats: int) -> float:
    runs = []
    for _ in range(repeats):
        started = time.process_time()
        for item in items:
            fn(item)
        runs.append((time.process_time() - started) * 1000 / len(items))
    return statistics.median(runs)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=300)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args()
    items = pages(args.n)
    ok = sum(isinstance(process_page(p, with_events=False), Article) for p in items)  # warm-up, and a check
    html = [p.body.decode("utf-8") for p in items]
    for h in html[:5]:
        trafilatura.extract(h)
    load = os.getloadavg()
    marsad = per_page_ms(lambda p: process_page(p, with_events=False), items, args.repeats)
    trafila = per_page_ms(trafilatura.extract, html, args.repeats)
    print(f"{args.n} generated pages ({ok} articles), {args.repeats} repeats, load {load[0]:.1f}")
    print(f"marsad process_page (no events): {marsad:6.2f} ms CPU/page")
    print(f"trafilatura.extract:             {trafila:6.2f} ms CPU/page")
    print(f"ratio marsad / trafilatura: {marsad / trafila:.2f} (target <= 1.00)")
    if args.profile:
        prof = cProfile.Profile()
        prof.enable()
        for p in items:
            process_page(p, with_events=False)
        prof.disable()
        pstats.Stats(prof).sort_stats("tottime").print_stats(25)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
