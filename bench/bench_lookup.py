"""The known-URL look-up of incremental crawls (``revisits.lookup_known``) at N stored
articles: one listing of 1,000 URLs of which none, half or all are stored.

    .venv/bin/python bench/bench_lookup.py [-n 20000]

Prints the best of three look-ups for each mix (target: under 0.1 s for 1,000 URLs at
20,000 articles), from the store's indexes and from the in-memory index a crawl on the
embedded server keeps (``pipelines/storage/known_index.py``). The articles are small generated documents with an alias each, in an
embedded store on a temporary directory.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipelines.storage import ensure_indexes, open_database, revisits  # noqa: E402
from pipelines.storage.known_index import KnownIndex  # noqa: E402
from pipelines.storage.names import ARTICLES, FETCH_STATE  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=20_000)
    args = ap.parse_args()
    n = args.n
    with tempfile.TemporaryDirectory() as tmp, open_database(None, "bench_lookup", tmp) as conn:
        db = conn.db
        ensure_indexes(db)
        revisits.ensure_fetch_state_indexes(db)
        now = dt.datetime.now(dt.UTC)
        for start in range(0, n, 1000):
            part = range(start, min(start + 1000, n))
            db[ARTICLES].insert_many([{"url": f"https://x.example/a/{i}/", "aliases": [f"https://m.x.example/a/{i}/"],
                                       "first_seen": now, "last_seen": now, "text": "نص " * 300} for i in part])
            db[FETCH_STATE].insert_many([{"url": f"https://x.example/a/{i}/", "etag": '"e"', "first_fetched": now}
                                         for i in part])
        print(f"{n} stored articles, load {os.getloadavg()[0]:.1f}")
        for stored in (0, 500, 1000):
            step = max(1, n // max(stored, 1))
            keys = [f"https://x.example/a/{i}/" for i in range(0, n, step)][:stored]
            keys += [f"https://y.example/b/{i}/" for i in range(1000 - len(keys))]
            best = float("inf")
            for _ in range(3):
                started = time.perf_counter()
                found = revisits.lookup_known(db, keys)
                best = min(best, time.perf_counter() - started)
            print(f"1,000-URL look-up, {stored:>4} of them stored: {best:.3f} s ({len(found)} known)")
            index = KnownIndex()
            started = time.perf_counter()
            index.load(db)
            loaded = time.perf_counter() - started
            best = float("inf")
            for _ in range(3):
                started = time.perf_counter()
                found = revisits.lookup_known(db, keys, index)
                best = min(best, time.perf_counter() - started)
            print(f"    from the in-memory index (embedded server's sole writer): {best:.4f} s "
                  f"({len(found)} known; its one read {loaded:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
