"""Load benchmark: a long crawl with the disk queue, watching memory as it goes.

    python bench/bench_load.py                 # 20,000 generated articles (~10+ minutes)
    python bench/bench_load.py -n 3000 --checkpoints 1000,2000,3000   # a quick look

The fixture sites run in a child process and the SecantusDB server in this one, so the
measured process tree is the crawler alone (`scrapy crawl news -a source=fx-gen` with
`JOBDIR`, its processing workers included). Prints, at each checkpoint of stored
articles, pages/s since the previous checkpoint, and the crawler tree's current and peak
RSS; then the RSS growth from the first to the last checkpoint, which should stay within
20%. Figures depend on the machine and on what else runs on it: say so when you quote
them.
"""
from __future__ import annotations

import argparse
import os
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

from pipelines.storage import EmbeddedServer  # noqa: E402
from procstats import tree_rss  # noqa: E402


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


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=20_000)
    ap.add_argument("--checkpoints", default="5000,10000,20000")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--events", action="store_true", help="also extract events (slower)")
    args = ap.parse_args()
    checkpoints = sorted(c for c in (int(x) for x in args.checkpoints.split(",")) if c <= args.n)

    with tempfile.TemporaryDirectory(prefix="marsad-load-") as tmp:
        tmp_path = Path(tmp)
        registry = tmp_path / "sources.yaml"
        fixtures = start_fixtures(args.n, registry)
        db = EmbeddedServer(tmp_path / "db").start()
        cmd = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", "source=fx-gen",
               "-s", f"MARSAD_SOURCES={registry}", "-s", f"MONGO_URI={db.client_uri}",
               "-s", "MONGO_DATABASE=load", "-s", f"JOBDIR={tmp_path / 'job'}",
               "-s", f"MARSAD_SPOOL_DIR={tmp_path / 'spool'}", "-s", "AUTOTHROTTLE_ENABLED=False",
               "-s", f"MARSAD_PROCESS_WORKERS={args.workers}", "-s", f"MARSAD_EVENTS={args.events}",
               "-s", "CONCURRENT_REQUESTS=16", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16",
               "-s", "LOG_LEVEL=INFO"]
        client = pymongo.MongoClient(db.uri)
        log_path = tmp_path / "crawl.log"
        rows = []
        started = time.monotonic()
        try:
            with open(log_path, "w") as log:
                proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
                ps = psutil.Process(proc.pid)
                peak = peak_main = 0
                last_t, last_n = started, 0
                next_i = 0
                while proc.poll() is None:
                    rss = tree_rss(ps)
                    peak = max(peak, rss)
                    peak_main = max(peak_main, own_rss(ps))
                    stored = client.load.articles.estimated_document_count()
                    while next_i < len(checkpoints) and stored >= checkpoints[next_i]:
                        now = time.monotonic()
                        rate = (stored - last_n) / max(now - last_t, 1e-9)
                        rows.append((checkpoints[next_i], stored, rate, rss, peak, peak_main))
                        print(f"{checkpoints[next_i]:>6} articles: {rate:6.1f} pages/s since last, "
                              f"RSS now {rss / 2**20:.0f} MiB, peak {peak / 2**20:.0f} MiB "
                              f"(crawler process alone: peak {peak_main / 2**20:.0f} MiB)", flush=True)
                        last_t, last_n = now, stored
                        next_i += 1
                    time.sleep(0.5)
        finally:
            elapsed = time.monotonic() - started
            stored = client.load.articles.count_documents({})
            client.close()
            db.stop()
            fixtures.send_signal(signal.SIGTERM)
            fixtures.wait(timeout=30)
        tail = log_path.read_text(errors="replace")[-4000:]

    print(f"stored {stored} of {args.n} in {elapsed:.0f} s: {stored / elapsed:.1f} pages/s overall "
          f"(exit code {proc.returncode}; {args.workers} workers, JOBDIR on)")
    if len(rows) >= 2:
        first, last = rows[0], rows[-1]
        growth = 100 * (last[4] - first[4]) / first[4]
        print(f"peak RSS growth {first[0]} -> {last[0]} articles: {growth:+.1f}% "
              f"({'within' if abs(growth) <= 20 else 'OUTSIDE'} 20%)")
    if proc.returncode != 0:
        print(tail)
    return 0 if proc.returncode == 0 and stored >= args.n else 1


if __name__ == "__main__":
    sys.exit(main())
