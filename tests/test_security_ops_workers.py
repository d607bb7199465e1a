"""The processing pool: a page has a CPU budget, and no worker outlives its crawl.

Real `scrapy crawl` subprocesses with a real spawn pool: a hostile loopback site serves an
article of 5,000 elements with 250 attributes each (under the parser's per-element cap, so
no cap saves it: several seconds of CPU), and the crawl's main process is SIGKILLed while
its workers run.
"""
from __future__ import annotations

import os
import re
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pymongo
import pytest
import yaml

from crawling import crawl_env, scrapy_command
from fixturesite import FixtureServer
from hostile_site import HostileSite, article_html

pytestmark = pytest.mark.slow  # real crawls (README, "Tests")

ROOT = Path(__file__).resolve().parent.parent


def _heavy_article(elements: int) -> bytes:
    names = " ".join(f"a{i}='x'" for i in range(250))
    spans = f"<span {names}>ن</span>" * elements
    return article_html("صفحة ثقيلة جدا").replace(b"<article>", f"<article>{spans}".encode())


def test_page_over_its_cpu_budget_is_dropped_and_the_crawl_goes_on(mongo_server, tmp_path):
    with HostileSite() as site:
        good = [f"/a/{i}.html" for i in range(1, 7)]
        for i, path in enumerate(good, 1):
            site.routes[path] = ("text/html; charset=utf-8", article_html(f"خبر عادي رقم {i}"))
        site.routes["/a/heavy.html"] = ("text/html; charset=utf-8", _heavy_article(5_000))
        links = [*good[:3], "/a/heavy.html", *good[3:]]
        rss = "".join(f"<item><link>{site.base}{p}</link></item>" for p in links)
        site.routes["/rss.xml"] = ("application/rss+xml", f"<rss><channel>{rss}</channel></rss>".encode())
        registry = site.registry(tmp_path / "sources.yaml", feeds=[site.base + "/rss.xml"])
        database = f"slow_{uuid.uuid4().hex[:8]}"
        cmd = scrapy_command(registry, settings={
            "MONGO_URI": mongo_server, "MONGO_DATABASE": database, "MARSAD_SPOOL_DIR": tmp_path / "spool",
            "AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_TIMEOUT": 5, "MARSAD_PROCESS_WORKERS": 2,
            "MARSAD_EVENTS": False, "MARSAD_PAGE_CPU_BUDGET": 1.5, "MONGO_BATCH_SIZE": 1})
        started = time.monotonic()
        run = subprocess.run(cmd, cwd=ROOT, env=crawl_env(), capture_output=True, text=True, timeout=300)
        took = time.monotonic() - started
    assert run.returncode == 0, run.stderr[-3000:]
    client: pymongo.MongoClient = pymongo.MongoClient(mongo_server)
    try:
        db = client[database]
        stored = {d["url"] for d in db.articles.find({}, {"url": 1})}
        drop = db.drops.find_one({"url": site.base + "/a/heavy.html"})
    finally:
        client.drop_database(database)
        client.close()
    assert stored == {site.base + p for p in good}, stored
    assert drop is not None and drop["reason"] == "too_slow", drop
    assert "too_slow" in run.stderr and "MARSAD_PAGE_CPU_BUDGET" in run.stderr
    replaced = re.search(r"'marsad/workers_replaced': (\d+)", run.stderr)
    assert replaced and int(replaced.group(1)) >= 1, run.stderr[-3000:]
    assert "Traceback" not in run.stderr, run.stderr[-3000:]
    print(f"crawl with one 50,000-attribute page under a 1.5 s CPU budget: {took:.1f} s")


def _children(pid: int) -> dict[int, str]:
    """pid -> command line of every live process whose parent is ``pid``."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == pid:
                found[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, ValueError, IndexError):
            continue
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")
def test_workers_and_resource_tracker_exit_when_the_crawl_is_killed(mongo_server, tmp_path):
    with FixtureServer(generated=60, hang_seconds=2) as site:
        path = tmp_path / "sources.yaml"
        sources = site.sources()
        for source in sources:
            source["crawl_delay"] = 0.5  # long enough to be killed mid-crawl
        path.write_text(yaml.safe_dump(sources, allow_unicode=True), encoding="utf-8")
        cmd = scrapy_command(path, source="fx-gen", settings={
            "MONGO_URI": mongo_server, "MONGO_DATABASE": f"orphans_{uuid.uuid4().hex[:8]}",
            "MARSAD_SPOOL_DIR": tmp_path / "spool", "AUTOTHROTTLE_ENABLED": False,
            "MARSAD_PROCESS_WORKERS": 2, "MARSAD_EVENTS": False})
        proc = subprocess.Popen(cmd, cwd=ROOT, env=crawl_env(), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 120
            children: dict[int, str] = {}
            while time.monotonic() < deadline and proc.poll() is None:
                children = _children(proc.pid)
                workers = [p for p, c in children.items() if "spawn_main" in c]
                if len(workers) >= 2 and any("resource_tracker" in c for c in children.values()):
                    break
                time.sleep(0.2)
            assert proc.poll() is None, "the crawl ended before its workers could be seen"
            assert len([c for c in children.values() if "spawn_main" in c]) >= 2, children
            os.kill(proc.pid, signal.SIGKILL)
            killed = time.monotonic()
            proc.wait(timeout=10)
            while time.monotonic() < killed + 5 and any(_alive(p) for p in children):
                time.sleep(0.05)
            left = {p: c for p, c in children.items() if _alive(p)}
            print(f"{len(children)} children of the killed crawl; all gone after "
                  f"{time.monotonic() - killed:.2f} s" if not left else f"{len(left)} left")
        finally:
            if proc.poll() is None:
                proc.kill()
    for pid in left:  # do not leave them to the next test either
        os.kill(pid, signal.SIGKILL)
    assert not left, f"still running 5 s after the crawl was killed: {left}"
