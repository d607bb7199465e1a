"""Marsad beside its peers, on the same generated fixture articles, in one run:

1. a bare Scrapy spider over the site's sitemaps (download only);
2. the same spider with ``trafilatura.extract`` on every page in a pool of two processes;
3. Marsad end to end: ``scrapy crawl news -a source=fx-gen``, events on, the embedded
   SecantusDB server in the crawler (no ``MONGO_URI``), as a user runs it;
4. the same with the embedded server in a process of its own (``MARSAD_EMBEDDED_PROCESS``).

    python bench/bench_peers.py [-n 2000] [--workers 2] [--rounds 1]

Server time per (command, collection) of the same runs: see bench/command_times/sitecustomize.py.

Each rate is articles per second between the first and the last article handled (start-up
left out), with the overall rate beside it. Prints the ratios Marsad / Scrapy+trafilatura
(target at least 0.45) and Marsad / bare Scrapy, and the load average around each run:
on a shared machine compare the ratios, not the absolute figures (the target of 120
articles/s for Marsad is for a quiet machine).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import yaml

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

from bench_load import STATS_EVERY, LogProgress, start_fixtures  # noqa: E402
from procstats import cpu_seconds  # noqa: E402

# The last: Marsad with its embedded server in a process of its own (MARSAD_EMBEDDED_PROCESS).
NAMES = ("scrapy", "scrapy+trafilatura", "marsad", "marsad+db-process")
COMMON = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS=16",
          "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16", "-s", "LOG_LEVEL=INFO", "-s", "TELNETCONSOLE_ENABLED=False"]


def run_peer(mode: str, sitemap: str, workers: int, tmp: Path) -> dict:
    out = tmp / f"peer-{mode}.json"
    cmd = [sys.executable, "-m", "scrapy", "runspider", str(BENCH / "peer_spider.py"), "-a", f"sitemap={sitemap}",
           "-a", f"mode={mode}", "-a", f"workers={workers}", "-a", f"out={out}", *COMMON]
    started = time.time()
    # Run outside the project directory: no scrapy.cfg, so none of Marsad's settings apply.
    with open(tmp / f"peer-{mode}.log", "w") as log:
        code = subprocess.call(cmd, cwd=tmp, stdout=log, stderr=subprocess.STDOUT)
    result = json.loads(out.read_text()) if out.exists() else {"articles": 0, "first": None, "last": None}
    result.update(wall=time.time() - started, code=code)
    return result


def run_marsad(registry: Path, workers: int, tmp: Path, *, db_process: bool = False) -> dict:
    cmd = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", "source=fx-gen",
           "-s", f"MARSAD_EMBEDDED_PROCESS={db_process}",
           "-s", f"MARSAD_SOURCES={registry}", "-s", "MONGO_URI=", "-s", f"MONGO_DATA_DIR={tmp / 'db'}",
           "-s", "MONGO_DATABASE=peers", "-s", f"MARSAD_SPOOL_DIR={tmp / 'spool'}",
           "-s", f"MARSAD_PROCESS_WORKERS={workers}", "-s", "MARSAD_EVENTS=True", *COMMON]
    env = {k: v for k, v in os.environ.items() if k != "MONGO_URI"}
    log_path = tmp / "marsad.log"
    samples: list[tuple[float, int]] = []
    started = time.time()
    with open(log_path, "w") as log:
        proc = subprocess.Popen([*cmd, "-s", f"LOGSTATS_INTERVAL={STATS_EVERY}"], cwd=ROOT, stdout=log,
                                stderr=subprocess.STDOUT, env=env)
        progress = LogProgress(log_path)
        ps = psutil.Process(proc.pid)
        cpu: dict[int, float] = {}
        while proc.poll() is None:
            time.sleep(0.25)
            cpu_seconds(ps, cpu)
            stored = progress.read()
            if stored and (not samples or stored > samples[-1][1]) and progress.closing_at is None:
                samples.append((time.monotonic(), stored))
    # The last items arrive with the final stats, at the crawl's end.
    stats = re.search(r"'item_scraped_count': (\d+)", log_path.read_text(errors="replace"))
    if stats and (not samples or int(stats.group(1)) > samples[-1][1]):
        samples.append((progress.closing_at or time.monotonic(), int(stats.group(1))))
    wall = time.time() - started
    articles = samples[-1][1] if samples else 0
    others = sum(v for k, v in cpu.items() if k != proc.pid)
    which = "marsad+db-process" if db_process else "marsad"
    print(f"    {which}, CPU ms per article: crawler process {1000 * cpu.get(proc.pid, 0) / max(articles, 1):.1f}, "
          f"its child processes (workers, and the server when in its own) {1000 * others / max(articles, 1):.1f}",
          flush=True)
    return {"articles": articles, "first": samples[0][0] if samples else None,
            "last": samples[-1][0] if samples else None, "first_count": samples[0][1] if samples else 0,
            "wall": wall, "code": proc.returncode}


def rate(result: dict) -> float:
    span = (result["last"] or 0) - (result["first"] or 0)
    counted = result["articles"] - result.get("first_count", 1)
    return counted / span if span > 0 and counted > 0 else 0.0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=2000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=1, help="run the three this many times, interleaved")
    ap.add_argument("--only", choices=NAMES, action="append",
                    help="run only these (repeatable); the ratios need the first three")
    args = ap.parse_args()
    rows: dict[str, list[tuple[float, float, int, tuple[float, float]]]] = {}
    with tempfile.TemporaryDirectory(prefix="marsad-peers-") as tmp_name:
        tmp = Path(tmp_name)
        registry = tmp / "sources.yaml"
        fixtures = start_fixtures(args.n, registry)
        try:
            sources = yaml.safe_load(registry.read_text())
            entries = sources.get("sources", sources) if isinstance(sources, dict) else sources
            gen = next(e for e in entries if e["id"] == "fx-gen")
            sitemap = gen["sitemaps"][0]
            for r in range(args.rounds):
                for name in args.only or NAMES:
                    before = os.getloadavg()[0]
                    run_dir = tmp / f"{name}-{r}"
                    run_dir.mkdir()
                    if name.startswith("marsad"):
                        result = run_marsad(registry, args.workers, run_dir, db_process=name != "marsad")
                    else:
                        result = run_peer("bare" if name == "scrapy" else "trafilatura", sitemap, args.workers, run_dir)
                    after = os.getloadavg()[0]
                    rows.setdefault(name, []).append((rate(result), result["articles"] / result["wall"],
                                                      result["articles"], (before, after)))
                    print(f"round {r + 1} {name:<20} {result['articles']:>6} articles  {rate(result):7.1f}/s "
                          f"after start-up ({result['articles'] / result['wall']:6.1f}/s overall, "
                          f"exit {result['code']})  load {before:.1f} -> {after:.1f}", flush=True)
        finally:
            fixtures.send_signal(signal.SIGTERM)
            fixtures.wait(timeout=30)

    def best(name: str) -> float:
        return max((r[0] for r in rows.get(name, [])), default=0.0)

    m, t, s, mp = best("marsad"), best("scrapy+trafilatura"), best("scrapy"), best("marsad+db-process")
    print(f"\n{args.n} generated articles, {args.workers} workers, best of {args.rounds} round(s):")
    print(f"  bare Scrapy            {s:7.1f} articles/s")
    print(f"  Scrapy + trafilatura   {t:7.1f} articles/s")
    print(f"  Marsad end to end      {m:7.1f} articles/s")
    print(f"  Marsad, server in its own process {mp:7.1f} articles/s")
    print(f"  Marsad / Scrapy+trafilatura = {m / t if t else 0:.2f} (target >= 0.45); "
          f"Marsad / bare Scrapy = {m / s if s else 0:.2f}; "
          f"with the server in its own process / Scrapy+trafilatura = {mp / t if t else 0:.2f}")
    loads = [x for name in rows for r in rows[name] for x in r[3]]
    print(f"  load average during the runs: {min(loads):.1f} - {max(loads):.1f} on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
