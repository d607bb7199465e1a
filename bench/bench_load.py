"""Load benchmark: a long crawl with the disk queue, watching speed and memory as it goes.

    python bench/bench_load.py                 # 20,000 generated articles, events on (long)
    python bench/bench_load.py -n 4000 --checkpoints 1000,2000,3800   # a quick look

The fixture sites run in a child process. By default the crawl runs as a user runs it:
`scrapy crawl news -a source=fx-gen` with `JOBDIR`, no `MONGO_URI`, so the embedded
SecantusDB server runs inside the crawler process (``--db bench`` runs it in this
process instead, so the measured tree is the crawler alone). Prints, at each checkpoint
of articles (Scrapy's item count, read from its log), articles/s since the previous one
and the crawler tree's RSS (now and peak); then:
- throughput over the first 5,000 and over the last 10,000 articles (a quarter and a
  half of a shorter run), and their ratio (target: at least 0.90);
- the RSS growth from the first checkpoint to the last (target: within 20%);
- the time of one 1,000-URL known-URL look-up (``revisits.lookup_known``: 500 stored
  keys, 500 unknown) on the finished archive (target: under 0.1 s), from the in-memory
  index a crawl on the embedded server keeps (with the time of its one read), and from
  the store's indexes as against a shared MongoDB.
Figures depend on the machine and on what else runs on it (the load average is printed):
say so when you quote them.
"""
from __future__ import annotations

import argparse
import bisect
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import pymongo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from pipelines.storage import EmbeddedServer, open_database, revisits  # noqa: E402
from pipelines.storage.known_index import KnownIndex  # noqa: E402
from procstats import tree_rss  # noqa: E402

# Progress is read from Scrapy's periodic stats line, not from the database: counting the
# articles on SecantusDB reads the whole collection (0.6 s at 10,000 articles), which in
# the crawler's own process would take its time from the crawl being measured.
_SCRAPED_RE = re.compile(r"scraped (\d+) items")
STATS_EVERY = 2  # seconds (LOGSTATS_INTERVAL)


class LogProgress:
    """The latest item count in a crawl's log, read incrementally."""

    def __init__(self, path: Path):
        self.path, self.offset, self.count = path, 0, 0
        # When the log said the spider is closing (time.monotonic()): the counts logged
        # after it come with the final flush and the shutdown, not at crawl speed.
        self.closing_at: float | None = None

    def read(self) -> int:
        with open(self.path, errors="replace") as fh:
            fh.seek(self.offset)
            chunk = fh.read()
            self.offset = fh.tell()
        if self.closing_at is None and "Closing spider" in chunk:
            self.closing_at = time.monotonic()
        found = _SCRAPED_RE.findall(chunk)
        if found:
            self.count = int(found[-1])
        return self.count


def own_rss(proc: psutil.Process) -> int:
    try:
        return proc.memory_info().rss
    except psutil.Error:
        return 0


def start_fixtures(n: int, registry: Path) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "fixturesite", "--port", "0", "--generated", str(n),
                             "--sources-out", str(registry)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    for _ in range(5):  # four sites, then the registry line
        if not proc.stdout.readline():
            raise RuntimeError("the fixture server did not start")
    return proc


def time_at(samples: list[tuple[float, int]], count: int) -> float:
    """When ``count`` articles were stored (linear between the samples around it)."""
    counts = [c for _, c in samples]
    i = bisect.bisect_left(counts, count)
    if i == 0:
        return samples[0][0]
    if i >= len(samples):
        return samples[-1][0]
    (t0, c0), (t1, c1) = samples[i - 1], samples[i]
    return t0 + (t1 - t0) * (count - c0) / max(c1 - c0, 1)


def lookup_time(db, index: KnownIndex | None = None) -> tuple[float, int]:
    """Best of three 1,000-URL look-ups: 500 stored keys and 500 unknown ones (from the
    store's indexes, or from ``index``: what a crawl on the embedded server holds)."""
    stored = [d["url"] for d in db.articles.find({}, {"url": 1}).limit(500)]
    keys = stored + [f"https://unknown.example/news/{i}/" for i in range(1000 - len(stored))]
    best, found = float("inf"), 0
    for _ in range(3):
        started = time.perf_counter()
        found = len(revisits.lookup_known(db, keys, index))
        best = min(best, time.perf_counter() - started)
    return best, found


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=20_000)
    # Counts are Scrapy's periodic item counts: a checkpoint at n itself may fall after
    # the crawl's end, hence 19,000 for 20,000.
    ap.add_argument("--checkpoints", default="5000,10000,15000,19000")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--no-events", action="store_true", help="do not extract events (events are on by default)")
    ap.add_argument("--db", choices=("crawler", "bench"), default="crawler",
                    help="where the embedded server runs: in the crawler (as a user runs it) or here")
    args = ap.parse_args()
    checkpoints = sorted(c for c in (int(x) for x in args.checkpoints.split(",")) if c <= args.n)
    first_k, last_k = min(5000, args.n // 4), min(10_000, args.n // 2)

    with tempfile.TemporaryDirectory(prefix="marsad-load-") as tmp:
        tmp_path = Path(tmp)
        registry = tmp_path / "sources.yaml"
        fixtures = start_fixtures(args.n, registry)
        server = EmbeddedServer(tmp_path / "db").start() if args.db == "bench" else None
        cmd = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", "source=fx-gen",
               "-s", f"MARSAD_SOURCES={registry}", "-s", f"MONGO_URI={server.client_uri if server else ''}",
               "-s", f"MONGO_DATA_DIR={tmp_path / 'db'}",
               "-s", "MONGO_DATABASE=load", "-s", f"JOBDIR={tmp_path / 'job'}",
               "-s", f"MARSAD_SPOOL_DIR={tmp_path / 'spool'}", "-s", "AUTOTHROTTLE_ENABLED=False",
               "-s", f"MARSAD_PROCESS_WORKERS={args.workers}", "-s", f"MARSAD_EVENTS={not args.no_events}",
               "-s", "CONCURRENT_REQUESTS=16", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16",
               "-s", "LOG_LEVEL=INFO", "-s", f"LOGSTATS_INTERVAL={STATS_EVERY}"]
        env = {k: v for k, v in os.environ.items() if k != "MONGO_URI"}
        log_path = tmp_path / "crawl.log"
        rows, samples = [], []
        loads = []
        started = time.monotonic()
        proc = None
        try:
            with open(log_path, "w") as log:
                proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env)
                progress = LogProgress(log_path)
                ps = psutil.Process(proc.pid)
                peak = peak_main = 0
                last_t, last_n = started, 0
                next_i = 0
                while proc.poll() is None:
                    time.sleep(0.5)
                    rss = tree_rss(ps)
                    peak = max(peak, rss)
                    peak_main = max(peak_main, own_rss(ps))
                    stored = progress.read()
                    now = time.monotonic()
                    if progress.closing_at is not None:
                        break  # the crawl is over; what follows is its shutdown
                    if not samples or stored > samples[-1][1]:
                        samples.append((now, stored))
                    while next_i < len(checkpoints) and stored >= checkpoints[next_i]:
                        rate = (stored - last_n) / max(now - last_t, 1e-9)
                        loads.append(os.getloadavg()[0])
                        rows.append((checkpoints[next_i], stored, rate, rss, peak, peak_main))
                        print(f"{checkpoints[next_i]:>6} articles: {rate:6.1f} articles/s since last, "
                              f"RSS now {rss / 2**20:.0f} MiB, peak {peak / 2**20:.0f} MiB "
                              f"(crawler process alone: peak {peak_main / 2**20:.0f} MiB), "
                              f"load {loads[-1]:.1f}", flush=True)
                        last_t, last_n = now, stored
                        next_i += 1
                proc.wait()
            final = re.search(r"'item_scraped_count': (\d+)", log_path.read_text(errors="replace"))
            if final and progress.closing_at is not None and (not samples or int(final.group(1)) > samples[-1][1]):
                samples.append((progress.closing_at, int(final.group(1))))
        finally:
            elapsed = time.monotonic() - started
            if proc is not None and proc.poll() is None:  # interrupted: the crawl stops too
                proc.send_signal(signal.SIGINT)
                proc.wait(timeout=120)
            fixtures.send_signal(signal.SIGTERM)
            fixtures.wait(timeout=30)
        tail = log_path.read_text(errors="replace")[-4000:]
        # The crawl is over: its embedded server has let the data directory go.
        conn = None if server else open_database(None, "load", str(tmp_path / "db"))
        db = (conn.db if conn else pymongo.MongoClient(server.client_uri).load)
        stored = db.articles.count_documents({})
        lookup, found = lookup_time(db)
        index = KnownIndex()
        started = time.perf_counter()
        index.load(db)
        index_load = time.perf_counter() - started
        lookup_mem, found_mem = lookup_time(db, index)
        if conn:
            conn.close()
        if server:
            db.client.close()
            server.stop()

    print(f"stored {stored} of {args.n} in {elapsed:.0f} s: {stored / elapsed:.1f} articles/s overall "
          f"(exit code {proc.returncode}; {args.workers} workers, JOBDIR on, events "
          f"{'off' if args.no_events else 'on'}, database in the {args.db} process)")
    if samples and samples[-1][1] >= first_k + last_k:
        t_start = time_at(samples, 1)
        first = first_k / max(time_at(samples, first_k) - t_start, 1e-9)
        end = samples[-1][1]
        last = last_k / max(time_at(samples, end) - time_at(samples, end - last_k), 1e-9)
        print(f"throughput: first {first_k} articles {first:.1f}/s, last {last_k} {last:.1f}/s: "
              f"ratio {last / first:.2f} ({'at least' if last >= 0.9 * first else 'UNDER'} 0.90)")
    if len(rows) >= 2:
        first_row, last_row = rows[0], rows[-1]
        growth = 100 * (last_row[3] - first_row[3]) / first_row[3]
        print(f"RSS growth {first_row[0]} -> {last_row[0]} articles: {growth:+.1f}% "
              f"({first_row[3] / 2**20:.0f} -> {last_row[3] / 2**20:.0f} MiB; "
              f"{'within' if abs(growth) <= 20 else 'OUTSIDE'} 20%)")
    print(f"1,000-URL known-URL look-up at {stored} stored articles, the crawl's index in memory "
          f"(embedded server): {lookup_mem:.4f} s ({found_mem} known; "
          f"{'under' if lookup_mem < 0.1 else 'OVER'} 0.1 s), after one read of {index_load:.1f} s at its first look-up")
    print(f"  the same from the store's indexes (a shared MongoDB's path): {lookup:.3f} s ({found} known)")
    if loads:
        print(f"load average at the checkpoints: {', '.join(f'{x:.1f}' for x in loads)}")
    if proc.returncode != 0:
        print(tail)
    return 0 if proc.returncode == 0 and stored >= args.n else 1


if __name__ == "__main__":
    sys.exit(main())
