"""End-to-end crawl benchmark: N generated fixture articles through the whole system.

    python bench/bench_crawl.py [-n 2000] [--workers 2] [--checkpoints 1000,5000]

Serves N generated articles on loopback, runs `scrapy crawl news -a source=fx-gen` as a
subprocess storing into a SecantusDB server started here (so the crawl process holds no
database and its memory is the crawler's own), and prints pages/s, CPU ms per page in
the processing stages, and the crawl's peak RSS (process and workers) at checkpoints.
"""
from __future__ import annotations

import argparse
import os
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

from fixturesite import FixtureServer  # noqa: E402
from procstats import cpu_seconds, tree_rss  # noqa: E402
from secantus import SecantusDBServer  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=2000)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--checkpoints", default="1000,5000,10000,20000")
    ap.add_argument("--jobdir", action="store_true", help="use a disk queue (JOBDIR)")
    args = ap.parse_args()
    checkpoints = [c for c in (int(x) for x in args.checkpoints.split(",")) if c <= args.n]

    with tempfile.TemporaryDirectory(prefix="marsad-bench-") as tmp, \
            FixtureServer(generated=args.n) as site:
        server = SecantusDBServer(host="127.0.0.1", port=0, storage_path=f"{tmp}/db")
        server.start()
        registry = Path(tmp) / "sources.yaml"
        site.write_sources(registry)
        cmd = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", "source=fx-gen",
               "-s", f"MARSAD_SOURCES={registry}", "-s", f"MONGO_URI={server.uri}",
               "-s", "MONGO_DATABASE=bench", "-s", "AUTOTHROTTLE_ENABLED=False",
               "-s", f"MARSAD_PROCESS_WORKERS={args.workers}", "-s", "LOG_LEVEL=INFO",
               "-s", "CONCURRENT_REQUESTS=32", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=32"]
        if args.jobdir:
            cmd += ["-s", f"JOBDIR={tmp}/job"]
        log_path = Path(tmp) / "crawl.log"
        client = pymongo.MongoClient(server.uri)
        started = time.time()
        with open(log_path, "w") as log:
            proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
            ps = psutil.Process(proc.pid)
            peak, at = 0, {}
            first_article_t = None
            cpu: dict[int, float] = {}
            while proc.poll() is None:
                peak = max(peak, tree_rss(ps))
                cpu_seconds(ps, cpu)
                stored = client.bench.articles.estimated_document_count()
                if stored and first_article_t is None:
                    first_article_t = time.time()
                for c in checkpoints:
                    if c not in at and stored >= c:
                        at[c] = peak
                time.sleep(0.25)
        elapsed = time.time() - started
        stored = client.bench.articles.count_documents({})
        text = log_path.read_text(errors="replace")
        cpu_ms = _stat(text, "marsad/process_cpu_ms")
        processed = _stat(text, "marsad/articles") or stored
        client.close()
        server.stop()

    steady = elapsed - ((first_article_t or started) - started)
    print(f"articles stored:        {stored} of {args.n} (exit code {proc.returncode})")
    print(f"wall time:              {elapsed:.1f} s (start-up until first article {((first_article_t or started) - started):.1f} s)")
    print(f"articles/s end to end:  {stored / elapsed:.1f} (after start-up: {stored / max(steady, 1e-9):.1f})")
    if cpu_ms:
        print(f"CPU ms per page in processing stages (decode, dates, extraction, events): {cpu_ms / max(processed, 1):.1f}")
    main_cpu = cpu.get(proc.pid, 0.0)
    workers_cpu = sum(v for k, v in cpu.items() if k != proc.pid)
    print(f"CPU seconds: crawler process {main_cpu:.1f}, worker processes {workers_cpu:.1f}"
          f" (server side of the database not included)")
    print(f"peak RSS (crawler + workers): {peak / 2**20:.0f} MiB")
    for c, rss in sorted(at.items()):
        print(f"  peak RSS by {c:>6} articles: {rss / 2**20:.0f} MiB")
    if len(at) >= 2:
        (c1, r1), (c2, r2) = sorted(at.items())[0], sorted(at.items())[-1]
        print(f"  growth {c1} -> {c2}: {100 * (r2 - r1) / r1:+.1f}%")
    return 0 if proc.returncode == 0 else 1


def _stat(log: str, name: str) -> float:
    for line in log.splitlines():
        line = line.strip()
        if line.startswith(f"'{name}':"):
            try:
                return float(line.split(":", 1)[1].strip().rstrip(",}"))
            except ValueError:
                return 0.0
    return 0.0


if __name__ == "__main__":
    sys.exit(main())
