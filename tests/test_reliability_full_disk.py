"""Full disks: a write that fails is held for retry or stops the crawl, never lost in silence.

Real small file systems (tmpfs, mounted by the test: needs root, as in CI) fill up under
a real spool and a real embedded SecantusDB; real `scrapy crawl` subprocesses crawl the
fixture site into them. Nothing here imitates the part under test.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pymongo
import pytest
from crawling import crawl_env, scrapy_command
from outages import RestartableServer, generated_site, running_crawl, stored_count, stored_urls, wait_until

from fixturesite import FixtureServer
from pipelines.storage import ArticleStore, open_database
from pipelines.storage.spool import Spool, SpoolFullError

ROOT = Path(__file__).resolve().parent.parent

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small tmpfs needs root (CI runs as root)")


class SmallDisk:
    """A tmpfs of ``size`` at ``path``; ``grow()`` gives it room again."""

    def __init__(self, path: Path, size: str):
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], check=True)

    def grow(self, size: str = "256m") -> None:
        subprocess.run(["mount", "-o", f"remount,size={size}", str(self.path)], check=True)

    def unmount(self) -> None:
        subprocess.run(["umount", "-l", str(self.path)], check=False)


@pytest.fixture
def small_disk(tmp_path):
    disks: list[SmallDisk] = []

    def make(name: str, size: str) -> SmallDisk:
        disk = SmallDisk(tmp_path / name, size)
        disks.append(disk)
        return disk
    yield make
    for disk in disks:
        disk.unmount()


def _article(i: int, size: int = 2000) -> dict:
    return {"url": f"https://example.org/full/{i}", "source": "full", "title": f"t{i}",
            "text": "نص " * size, "raw_html": os.urandom(size), "extraction_quality": 0.9}


def _lines_on_disk(directory: Path) -> list[bytes]:
    return [line for p in sorted(directory.glob("spool-*.jsonl")) for line in p.read_bytes().splitlines()]


# -- the spool itself on a full disk ------------------------------------------------

@needs_root
def test_spool_on_full_disk_holds_records_in_memory_then_writes_them(small_disk, mongo_db):
    disk = small_disk("spool", "64k")
    spool = Spool(disk.path / "db", memory_limit=10 * 1024 * 1024)
    for i in range(40):  # about 10 kB a record: the 64 kB disk is full after a few
        assert spool.append([{"kind": "article", "record": _article(i)}]) == 1
    assert spool.held > 0, "the disk should have filled"
    assert "No space left" in (spool.disk_error or "")
    on_disk = _lines_on_disk(spool.directory)
    assert len(on_disk) + spool.held == 40
    from pipelines.storage.spool import decode_line
    for line in on_disk:  # no append left half a line behind
        decode_line(line)
    assert spool.pending_count() == 40
    disk.grow()
    spool.append([{"kind": "drop", "record": {"url": "https://example.org/d", "reason": "http_error"}}])
    assert spool.held == 0 and spool.disk_error is None
    assert len(_lines_on_disk(spool.directory)) == 41
    assert spool.drain(ArticleStore(mongo_db)) == 41
    assert mongo_db.articles.count_documents({}) == 40
    assert spool.pending_count() == 0


@needs_root
def test_spool_held_in_memory_are_drained_straight_to_the_database(small_disk, mongo_db):
    disk = small_disk("spool", "32k")
    spool = Spool(disk.path / "db", memory_limit=10 * 1024 * 1024)
    spool.append([{"kind": "article", "record": _article(i)} for i in range(30)])
    assert spool.held == 30  # one append: all of it, or none of it, on disk
    assert _lines_on_disk(spool.directory) == []
    assert spool.drain(ArticleStore(mongo_db)) == 30
    assert spool.held == 0 and mongo_db.articles.count_documents({}) == 30


@needs_root
def test_spool_memory_bound_is_an_error_naming_the_cause(small_disk):
    disk = small_disk("spool", "32k")
    spool = Spool(disk.path / "db", memory_limit=50_000)
    with pytest.raises(SpoolFullError, match="No space left on device") as caught:
        for i in range(30):
            spool.append([{"kind": "article", "record": _article(i)}])
    assert "MARSAD_SPOOL_MEMORY_MB" in str(caught.value)
    assert spool.held > 0  # still held: the caller says how many are lost


def test_a_batch_written_before_its_journaled_marker_failed_stays_buffered(mongo_server, mongo_db, tmp_path):
    """A storage engine that panics on a full disk acknowledges a batch's writes and then
    fails the journaled marker at its end: those writes may never reach the journal. The
    server's own failpoint fails the marker here, for this client only (its appName)."""
    app = f"marsad-marker-{uuid.uuid4().hex[:8]}"
    client: pymongo.MongoClient = pymongo.MongoClient(mongo_server, appname=app, tz_aware=True)
    try:
        store = ArticleStore(client[mongo_db.name], batch_size=100)
        store.ensure_indexes()
        for i in range(5):
            store.add(_article(i, 50))
        mongo_db.client.admin.command("configureFailPoint", "failCommand", mode={"times": 1},
                                      data={"failCommands": ["update"], "errorCode": 1, "appName": app})
        with pytest.raises(pymongo.errors.OperationFailure):
            store.flush()
        assert mongo_db.articles.count_documents({}) == 5  # written, but not known durable
        pending = store.take_pending()
        assert sorted(p["record"]["url"] for p in pending) == [_article(i)["url"] for i in range(5)]
        spool = Spool(tmp_path / "spool")  # what the crawl does with them: they are replayed
        spool.append(pending)
        assert spool.drain(store) == 5
        assert mongo_db.articles.count_documents({}) == 5
    finally:
        mongo_db.client.admin.command("configureFailPoint", "failCommand", mode="off")
        client.close()


# -- crawls --------------------------------------------------------------------------

GENERATED = 120


@pytest.fixture
def site(tmp_path):
    with FixtureServer(generated=GENERATED, hang_seconds=2) as server:
        yield generated_site(server, tmp_path)


def _cmd(registry: Path, **settings) -> list[str]:
    base = {"MONGO_BATCH_SIZE": 5, "AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_TIMEOUT": 5,
            "CONCURRENT_REQUESTS_PER_DOMAIN": 2, "MARSAD_PROCESS_WORKERS": 1, "MARSAD_EVENTS": False,
            "LOG_LEVEL": "INFO"}
    return scrapy_command(registry, source="fx-gen", settings={**base, **settings})


def _stat(stderr: str, name: str) -> int:
    found = re.search(rf"'{re.escape(name)}': (\d+)", stderr)
    return int(found.group(1)) if found else 0


@pytest.mark.slow
@needs_root
def test_full_data_directory_stops_the_crawl_and_loses_nothing(site, small_disk, tmp_path):
    registry, expected = site
    disk = small_disk("data", "3m")
    data_dir, spool_dir = disk.path / "db", tmp_path / "spool"
    run = subprocess.run(_cmd(registry(0), MONGO_DATA_DIR=data_dir, MONGO_DATABASE="full",
                              MARSAD_SPOOL_DIR=spool_dir),
                         cwd=ROOT, env=crawl_env(), capture_output=True, text=True, timeout=600)
    err = run.stderr
    assert run.returncode == 1, err[-3000:]
    last = err.strip().splitlines()[-1]
    assert last.startswith("marsad crawl: error:") and "is full" in last and str(data_dir) in last, last
    assert "Error processing" not in err and "in use by another" not in err, err[-3000:]
    assert "'finish_reason': 'store_failed'" in err
    reported = _stat(err, "marsad/articles")
    assert reported > 0 and _stat(err, "marsad/spool_left") > 0

    # With room again, the data directory opens with what was written before the disk
    # filled, and the spool holds the rest: every article the crawl reported is there.
    disk.grow()
    drained = subprocess.run([sys.executable, "-m", "pipelines.storage.spool", "--drain", "--dir", str(spool_dir),
                              "--database", "full", "--data-dir", str(data_dir)],
                             cwd=ROOT, env=crawl_env(), capture_output=True, text=True, timeout=300)
    assert drained.returncode == 0, drained.stderr[-2000:] + drained.stdout
    with open_database(None, "full", str(data_dir)) as conn:
        urls = [d["url"] for d in conn.db.articles.find({}, {"url": 1})]
    assert len(urls) == len(set(urls)) == reported
    assert set(urls) <= expected


def _outage_crawl(site, small_disk, tmp_path, *, memory_mb: float, come_back: bool):
    registry, expected = site
    disk = small_disk("spool", "64k")
    database = f"spoolfull_{uuid.uuid4().hex[:6]}"
    db = RestartableServer(tmp_path / "db")
    log = tmp_path / "crawl.log"
    try:
        cmd = _cmd(registry(0.15), MONGO_URI=db.uri, MONGO_DATABASE=database, MARSAD_SPOOL_DIR=disk.path,
                   MARSAD_SPOOL_RETRY=1, MONGO_TIMEOUT_MS=2000, MARSAD_SPOOL_MEMORY_MB=memory_mb)
        with running_crawl(cmd, log) as proc:
            wait_until(lambda: stored_count(db.uri, database) >= 10, proc, "10 articles stored")
            db.stop()
            wait_until(lambda: "held in memory" in log.read_text(errors="replace"), proc,
                       "the spool's disk filled and records were held in memory")
            if come_back:
                db.start()
            proc.wait(timeout=300)
        if not come_back:
            db.start()
        return proc.returncode, log.read_text(), stored_urls(db.uri, database), expected, disk
    finally:
        db.stop()


@pytest.mark.slow
@needs_root
def test_outage_with_full_spool_disk_holds_records_until_the_database_is_back(site, small_disk, tmp_path):
    code, err, urls, expected, _disk = _outage_crawl(site, small_disk, tmp_path, memory_mb=64, come_back=True)
    assert code == 0, err[-3000:]
    assert "Error processing" not in err and "Traceback" not in err, err[-3000:]
    assert "database reachable again" in err
    assert len(urls) == len(set(urls)), "an article is stored twice"
    missing = expected - set(urls)
    assert not missing, f"{len(missing)} articles lost, e.g. {sorted(missing)[:3]}"


@pytest.mark.slow
@needs_root
def test_outage_with_full_spool_disk_past_the_memory_bound_stops_the_crawl(site, small_disk, tmp_path):
    code, err, urls, _expected, disk = _outage_crawl(site, small_disk, tmp_path, memory_mb=0.05, come_back=False)
    assert code == 1, err[-3000:]
    last = err.strip().splitlines()[-1]
    assert last.startswith("marsad crawl: error:"), last
    assert "No space left on device" in last and "unreachable" in last, last
    assert "Error processing" not in err, err[-3000:]
    # What could go nowhere is counted and said; the rest is stored or on the spool's disk.
    lost = _stat(err, "marsad/lost")
    assert lost > 0 and f"{lost} records could not be written anywhere and are lost" in err
    on_disk = sum(1 for p in disk.path.rglob("spool-*.jsonl") for line in p.read_bytes().splitlines() if line)
    assert len(urls) + on_disk + lost >= _stat(err, "marsad/articles")
