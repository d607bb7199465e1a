"""The database goes away in the middle of a crawl: nothing is lost, nothing doubled.

A real `scrapy crawl` subprocess stores into a SecantusDB server this test owns; the
test stops that server while articles are flowing and starts it again on the same port
and data directory. Records go to the on-disk spool meanwhile and are written when the
server answers again, or at the start of the next run.
"""
from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
from crawling import crawl_env, scrapy_command
from outages import RestartableServer, generated_site, running_crawl, stored_count, stored_urls, wait_until

from fixturesite import FixtureServer

pytestmark = pytest.mark.slow  # real crawls (README, "Tests")

ROOT = Path(__file__).resolve().parent.parent
GENERATED = 80
DATABASE = "outage"


def scrapy_cmd(registry: Path, uri: str, spool: Path, *extra: str) -> list[str]:
    return scrapy_command(registry, source="fx-gen", settings={
        "MONGO_URI": uri, "MONGO_DATABASE": DATABASE, "MARSAD_SPOOL_DIR": spool,
        "MARSAD_SPOOL_RETRY": 1, "MONGO_BATCH_SIZE": 5, "MONGO_TIMEOUT_MS": 2000,
        "AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_TIMEOUT": 5, "CONCURRENT_REQUESTS_PER_DOMAIN": 2,
        "MARSAD_PROCESS_WORKERS": 1, "MARSAD_EVENTS": False, "LOG_LEVEL": "INFO"}, args=extra)


@pytest.fixture
def setup(tmp_path):
    with FixtureServer(generated=GENERATED, hang_seconds=2) as site:
        registry, expected = generated_site(site, tmp_path)
        db_server = RestartableServer(tmp_path / "db")
        try:
            yield {"registry": registry, "db": db_server, "spool": tmp_path / "spool",
                   "expected": expected, "tmp": tmp_path}
        finally:
            db_server.stop()


def _wait_for_articles(uri: str, proc: subprocess.Popen, at_least: int) -> int:
    wait_until(lambda: stored_count(uri, DATABASE) >= at_least, proc,
               f"the crawl stored {at_least} articles before the outage")
    return stored_count(uri, DATABASE)


def _wait_for_log(log: Path, proc: subprocess.Popen, text: str) -> None:
    wait_until(lambda: text in log.read_text(errors="replace"), proc,
               f"the crawl logged {text!r} while the server was away")


def _check_stored_once(uri: str, expected: set[str]) -> None:
    urls = stored_urls(uri, DATABASE)
    assert len(urls) == len(set(urls)), "an article is stored twice"
    missing = expected - set(urls)
    assert not missing, f"{len(missing)} articles lost, e.g. {sorted(missing)[:3]}"


def _spooled_records(spool: Path) -> int:
    return sum(1 for p in spool.rglob("spool-*.jsonl") for line in p.read_bytes().splitlines() if line.strip())


def test_server_restarted_mid_crawl_loses_nothing(setup):
    db, spool = setup["db"], setup["spool"]
    log = setup["tmp"] / "crawl.log"
    # Slow enough (about 25 s) that the outage falls in the middle of the crawl.
    with running_crawl(scrapy_cmd(setup["registry"](0.3), db.uri, spool), log) as proc:
        _wait_for_articles(db.uri, proc, 10)
        db.stop()
        # Back only once the crawl has seen its writes fail (the store waits
        # MONGO_TIMEOUT_MS for a server before it gives up), and a little later still.
        _wait_for_log(log, proc, "database unreachable")
        time.sleep(2)
        db.start()
        proc.wait(timeout=300)
    stderr = log.read_text()
    assert proc.returncode == 0, stderr[-3000:]
    assert "Traceback" not in stderr, stderr[-3000:]
    assert "database unreachable" in stderr and "WARNING" in stderr
    assert "database reachable again" in stderr
    assert "'marsad/spooled'" in stderr
    _check_stored_once(db.uri, setup["expected"])
    assert _spooled_records(spool) == 0, "the spool should be empty once written back"


def test_records_spooled_at_the_end_are_written_by_the_next_run(setup):
    db, spool = setup["db"], setup["spool"]
    log = setup["tmp"] / "crawl.log"
    # The server goes away late, once discovery is over, and stays away.
    with running_crawl(scrapy_cmd(setup["registry"](0.2), db.uri, spool), log) as proc:
        before = _wait_for_articles(db.uri, proc, len(setup["expected"]) - 15)
        db.stop()
        proc.wait(timeout=300)  # the server stays away until the crawl is over
    stderr = log.read_text()
    assert proc.returncode == 0, stderr[-3000:]
    assert "wait in the spool" in stderr, stderr[-3000:]
    left = _spooled_records(spool)
    assert left > 0
    db.start()
    assert 0 < stored_count(db.uri, DATABASE) < len(setup["expected"]) or before >= len(setup["expected"])
    # The next run (nothing new to fetch: one article) writes the spool first.
    again = subprocess.run(scrapy_cmd(setup["registry"](0.05), db.uri, spool, "-s", "MARSAD_MAX_ARTICLES=1"),
                           cwd=ROOT, env=crawl_env(), capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "left by an earlier run" in again.stderr
    _check_stored_once(db.uri, setup["expected"])
    assert _spooled_records(spool) == 0
