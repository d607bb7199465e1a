"""Distributed mode for real: a redis-server (Debian package) on a free loopback port, two
`scrapy crawl` workers sharing one frontier against the fixture site and one MongoDB."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from crawling import crawl_env, scrapy_command
from fixturesite import FixtureServer
from pipelines.urls import canonical_url

ROOT = Path(__file__).resolve().parent.parent
N_ARTICLES = 150

# On a developer's machine without root the Debian package may be missing; in CI, where
# scripts/test.sh installs it, a missing server must fail the run rather than skip it.
pytestmark = [
    pytest.mark.slow,  # real crawls (README, "Tests")
    pytest.mark.skipif(shutil.which("redis-server") is None and not os.environ.get("CI"),
                       reason="redis-server is not installed (scripts/test.sh installs it as root)"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def redis_url(tmp_path):
    import redis

    port = _free_port()
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", str(tmp_path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = redis.Redis(port=port)
    deadline = time.monotonic() + 20
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            assert time.monotonic() < deadline and proc.poll() is None, "redis-server did not start"
            time.sleep(0.1)
    yield f"redis://127.0.0.1:{port}/0"
    proc.terminate()
    proc.wait(timeout=30)


@pytest.fixture(scope="module")
def site():
    with FixtureServer(generated=N_ARTICLES, hang_seconds=2.0) as server:
        yield server


@pytest.fixture
def setup(site, mongo_server, mongo_client, tmp_path):
    registry = site.write_sources(tmp_path / "sources.yaml")
    database = f"dist_{uuid.uuid4().hex[:8]}"
    expected = {canonical_url(p.get("canonical_url") or p["url"]) for p in site.catalogue()
                if p["site"] == "gen" and p["expect"] == "stored"}
    yield {"registry": registry, "database": database, "db": mongo_client[database], "expected": expected,
           "uri": mongo_server}
    mongo_client.drop_database(database)


def _worker(setup, redis_url, run_id, *extra):
    cmd = scrapy_command(setup["registry"], source="fx-gen", settings={
        "MONGO_URI": setup["uri"], "MONGO_DATABASE": setup["database"], "REDIS_URL": redis_url,
        "MARSAD_RUN_ID": run_id, "MARSAD_PROCESS_WORKERS": 0, "MARSAD_EVENTS": False,
        "AUTOTHROTTLE_ENABLED": False, "CONCURRENT_REQUESTS": 4, "LOG_LEVEL": "INFO"}, args=extra)
    return subprocess.Popen(cmd, cwd=ROOT, env=crawl_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)


def _check_every_article_once(setup):
    db = setup["db"]
    urls = [d["url"] for d in db.articles.find({}, {"url": 1})]
    assert len(urls) == len(set(urls))
    assert set(urls) == setup["expected"]
    assert all(d["fetch_count"] == 1 for d in db.articles.find({}, {"fetch_count": 1}))


def test_two_workers_share_one_frontier(setup, redis_url):
    a = _worker(setup, redis_url, "run-a")
    time.sleep(1.0)
    b = _worker(setup, redis_url, "run-b")
    outs = [p.communicate(timeout=300)[1] for p in (a, b)]
    for proc, err in zip((a, b), outs):
        assert proc.returncode == 0, err[-3000:]
        assert "Traceback" not in err, err[-3000:]
    _check_every_article_once(setup)
    # No article URL was fetched twice, and both workers did part of the work.
    state = {d["url"]: d["fetches"] for d in setup["db"].fetch_state.find()}
    assert set(state) >= setup["expected"] and all(n == 1 for n in state.values())
    runs = {r["_id"]: r for r in setup["db"].crawl_runs.find()}
    assert runs["run-a"]["articles_stored"] > 0 and runs["run-b"]["articles_stored"] > 0
    assert runs["run-a"]["articles_stored"] + runs["run-b"]["articles_stored"] == len(setup["expected"])

    # A later distributed run with every article due for a revisit: conditional requests,
    # 304s that close their claims (with the default 300 s lease, a claim left open would
    # keep the worker waiting past the timeout below).
    time.sleep(1.0)
    c = _worker(setup, redis_url, "run-c", "-s", "MARSAD_REVISIT_AFTER=0.5")
    err = c.communicate(timeout=150)[1]
    assert c.returncode == 0, err[-3000:]
    run_c = setup["db"].crawl_runs.find_one({"_id": "run-c"})
    assert run_c["responses_by_status"].get("304", 0) >= len(setup["expected"])
    assert run_c["articles"]["new"] == 0 and run_c["outcome"] == "finished"


def test_killed_worker_loses_nothing(setup, redis_url):
    # A short claim lease so the survivor takes over the dead worker's claims quickly;
    # a crawl delay so the crawl is still going when one worker is killed.
    slow = ("-s", "MARSAD_CLAIM_LEASE=4", "-s", "DOWNLOAD_DELAY=0.05")
    a = _worker(setup, redis_url, "run-a", *slow)
    b = _worker(setup, redis_url, "run-b", *slow)
    db = setup["db"]
    deadline = time.monotonic() + 120
    while db.articles.count_documents({}) < len(setup["expected"]) // 4:
        assert time.monotonic() < deadline and a.poll() is None, "the crawl did not get going"
        time.sleep(0.1)
    os.killpg(a.pid, signal.SIGKILL)
    a.wait(timeout=30)
    assert db.articles.count_documents({}) < len(setup["expected"]), "killed too late to test anything"
    err = b.communicate(timeout=300)[1]
    assert b.returncode == 0, err[-3000:]
    assert "'finish_reason': 'finished'" in err
    # The survivor took over the dead worker's claims (fetched again, or found stored).
    assert "marsad/distributed/recovered" in err or "marsad/distributed/expired_closed" in err, err[-3000:]
    _check_every_article_once(setup)
    assert db.crawl_runs.find_one({"_id": "run-b"})["outcome"] == "finished"
