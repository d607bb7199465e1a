"""Cost per date expression of ``normalise_date`` after warm-up: median, p95, max.

Expressions are Marsad's own test strings (written for the project, covering every
form the normaliser reads), plus, with ``--evaldata``, the strings of
../shared/evaldata/dates/dates_ar.tsv read at run time.

With ``--pages``, also the cost of ``find_publication_date`` per page of
../shared/evaldata/html (parsed once; the chooser only reads the tree).

Usage: .venv/bin/python bench/bench_dates.py [--rounds 20] [--evaldata] [--pages]
"""
from __future__ import annotations

import argparse
import csv
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipelines.dates import find_publication_date, normalise_date  # noqa: E402

OWN = [
    "السبت، 16 مايو 2015 10:41 ص", "الخميس 3 أفريل 2014 م", "نشر في: 12 تموز/يوليو 2019",
    "٢٣ كانون الثاني ٢٠٢١ - ٠٨:١٥ مساءً", "2019/11/05 - 11:20 مساء", "05.06.2018 13:40",
    "منذ 5 ساعات", "قبل ستة أيام", "أمس", "فجر اليوم", "الجمعة الماضية", "في يونيو الماضي",
    "عام 2011", "3 رمضان 1440 هـ", "الثلاثاء 7 جوان 2016 على الساعة 14:30",
    "12 نونبر 2020", "دمشق - سانا: الأحد 7 حزيران 2015 الساعة 9 صباحا بتوقيت دمشق",
    "آخر تحديث: 2021-03-04 18:22 GMT+3", "14 ديسمبر2017", "الاثنين ٢٢ شباط ٢٠٢١ ١٦:٤٠",
    "not a date at all", "بيان صادر عن الوزارة",
]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--evaldata", action="store_true", help="also time the evaldata strings")
    ap.add_argument("--pages", action="store_true", help="time find_publication_date on evaldata pages")
    args = ap.parse_args()
    texts = list(OWN)
    if args.evaldata:
        path = ROOT.parent / "shared" / "evaldata" / "dates" / "dates_ar.tsv"
        with open(path, encoding="utf-8", newline="") as fh:
            texts += [r["string"] for r in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)]
    ref = "2020-06-01T12:00:00+03:00"
    for t in texts:  # warm-up: lexicon build, regex compile, lazy imports
        normalise_date(t, ref, "Asia/Riyadh")
    wall, cpu = [], []
    for _ in range(args.rounds):
        for t in texts:
            start, start_cpu = time.perf_counter(), time.thread_time()
            normalise_date(t, ref, "Asia/Riyadh")
            cpu.append((time.thread_time() - start_cpu) * 1000)
            wall.append((time.perf_counter() - start) * 1000)
    print(f"{len(texts)} expressions x {args.rounds} rounds = {len(wall)} calls")
    # Wall time includes waiting for the CPU on a shared machine; CPU time does not.
    for name, costs in (("wall", wall), ("cpu ", cpu)):
        costs.sort()
        p95 = costs[int(len(costs) * 0.95)]
        print(f"{name}: median {statistics.median(costs):.3f} ms  mean {statistics.fmean(costs):.3f} ms  "
              f"p95 {p95:.3f} ms  max {costs[-1]:.3f} ms")
    if args.pages:
        bench_pages(args.rounds)
    return 0


def bench_pages(rounds: int) -> None:
    import lxml.html

    files = sorted((ROOT.parent / "shared" / "evaldata" / "html").glob("*/*.html"))
    trees = [lxml.html.fromstring(f.read_bytes()) for f in files]
    for tree in trees:
        find_publication_date(tree)
    cpu = []
    for _ in range(max(1, rounds // 4)):
        for tree in trees:
            start = time.thread_time()
            find_publication_date(tree)
            cpu.append((time.thread_time() - start) * 1000)
    cpu.sort()
    print(f"find_publication_date on {len(trees)} pages: cpu median {statistics.median(cpu):.2f} ms  "
          f"mean {statistics.fmean(cpu):.2f} ms  max {cpu[-1]:.2f} ms")


if __name__ == "__main__":
    raise SystemExit(main())
