"""The scheduler for real: launches `scrapy crawl` processes against the fixture site on an
interval of a few seconds, records them in crawl_runs, stops overdue crawls and shuts down
cleanly on SIGTERM."""
from __future__ import annotations

import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psutil
import pytest
import yaml

from crawler.locks import source_lease
from crawler.schedule import EX_TEMPFAIL
from fixturesite import FixtureServer

pytestmark = pytest.mark.slow  # real crawls (README, "Tests")

ROOT = Path(__file__).resolve().parent.parent
FAST = ["-s", "AUTOTHROTTLE_START_DELAY=0", "-s", "MARSAD_PROCESS_WORKERS=0", "-s", "LOG_LEVEL=INFO",
        "-s", "MARSAD_EVENTS=False"]


@pytest.fixture(scope="module")
def site():
    # The hanging page answers after 20 s: a crawl with a long DOWNLOAD_TIMEOUT is then
    # surely still running when a test stops it.
    with FixtureServer(hang_seconds=20.0) as server:
        yield server


def _registry(site, path: Path, schedule: str) -> Path:
    entries = [dict(e) for e in site.sources() if e["id"] == "fx-portal"]
    entries[0]["schedule"] = schedule
    path.write_text(yaml.safe_dump({"sources": entries}, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture
def env(mongo_server, mongo_client, tmp_path):
    database = f"sched_{uuid.uuid4().hex[:8]}"
    yield {"uri": mongo_server, "database": database, "db": mongo_client[database], "tmp": tmp_path}
    mongo_client.drop_database(database)


def _scheduler(env, registry: Path, *args: str) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "crawler.schedule", "--registry", str(registry),
           "--mongo-uri", env["uri"], "--database", env["database"], "--jitter", "0",
           "--tick", "0.2", "--log-dir", str(env["tmp"] / "logs"), *args]
    for i in range(0, len(FAST), 2):
        cmd += ["-s", FAST[i + 1]]
    return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _wait_for(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def _stop(proc: subprocess.Popen, timeout: float = 90) -> str:
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=timeout)
    return out


def test_scheduler_launches_crawls_on_interval_and_records_them(site, env):
    registry = _registry(site, env["tmp"] / "sources.yaml", "every 2s")
    proc = _scheduler(env, registry, "--max-run-time", "120", "-s", "DOWNLOAD_TIMEOUT=1")
    runs = env["db"].crawl_runs
    try:
        _wait_for(lambda: runs.count_documents({"scheduler.exit_code": 0}) >= 2, 180, "two finished runs")
    finally:
        out = _stop(proc)
    assert proc.returncode == 0, out[-3000:]
    done = sorted(runs.find({"scheduler.exit_code": 0}), key=lambda r: r["started_at"])
    assert all(r["sources"] == ["fx-portal"] and r["outcome"] == "finished" for r in done)
    assert all(r["scheduler"]["schedule"] == "every 2s" for r in done)
    # Never two runs of the source at once.
    for first, second in zip(done, done[1:]):
        assert second["started_at"] >= first["finished_at"]
    assert done[0]["articles"]["new"] > 0 and done[1]["articles"]["new"] == 0
    assert env["db"].articles.count_documents({}) == done[0]["articles"]["new"]
    assert env["db"].crawl_locks.count_documents({}) == 0, "leases are released on shutdown"
    assert len(list((env["tmp"] / "logs").glob("fx-portal-*.log"))) >= 2


def _running_crawl(env):
    lock = env["db"].crawl_locks.find_one({"_id": "source:fx-portal"})
    if not lock:
        return None
    crawls = [p for p in psutil.Process(lock["pid"]).children() if "scrapy" in " ".join(p.cmdline())]
    return crawls[0] if crawls else None


def test_sigterm_stops_running_crawl_and_releases_lease(site, env):
    registry = _registry(site, env["tmp"] / "sources.yaml", "every 1h")
    proc = _scheduler(env, registry, "--kill-grace", "5", "-s", "DOWNLOAD_TIMEOUT=60")
    try:
        crawl = _wait_for(lambda: _running_crawl(env), 60, "a running crawl")
        time.sleep(4)  # let it reach the hanging page
        assert crawl.is_running()
    finally:
        out = _stop(proc)
    assert proc.returncode == 0, out[-3000:]
    assert not crawl.is_running() or crawl.status() == psutil.STATUS_ZOMBIE
    assert env["db"].crawl_locks.count_documents({}) == 0
    run = env["db"].crawl_runs.find_one()
    assert run["scheduler"]["stop_reason"].startswith("scheduler_stopped")
    assert run["outcome"] in ("interrupted", "crashed")
    assert "stop requested" in out


def test_overdue_crawl_is_stopped(site, env):
    registry = _registry(site, env["tmp"] / "sources.yaml", "every 1h")
    proc = _scheduler(env, registry, "--max-run-time", "3", "--kill-grace", "5",
                      "-s", "DOWNLOAD_TIMEOUT=60")
    try:
        run = _wait_for(lambda: env["db"].crawl_runs.find_one({"scheduler": {"$exists": True}}), 90,
                        "the overdue run's record")
    finally:
        out = _stop(proc)
    assert proc.returncode == 0, out[-3000:]
    assert run["outcome"] == "timed_out" and run["scheduler"]["stop_reason"].startswith("max_run_time")
    assert "exceeded" in out


def test_run_once_respects_the_lease(site, env):
    registry = _registry(site, env["tmp"] / "sources.yaml", "every 1h")
    cmd = [sys.executable, "-m", "crawler.schedule", "--registry", str(registry), "--run-once", "fx-portal",
           "--mongo-uri", env["uri"], "--database", env["database"], "-s", "DOWNLOAD_TIMEOUT=1"]
    for i in range(0, len(FAST), 2):
        cmd += ["-s", FAST[i + 1]]
    other = source_lease(env["db"], "fx-portal", ttl=120)
    assert other.acquire()
    held = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert held.returncode == EX_TEMPFAIL, held.stderr[-2000:]
    assert "already running" in held.stderr
    assert env["db"].crawl_runs.count_documents({}) == 0
    other.release()
    free = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert free.returncode == 0, free.stderr[-3000:]
    run = env["db"].crawl_runs.find_one()
    assert run["outcome"] == "finished" and run["scheduler"]["exit_code"] == 0
    assert env["db"].crawl_locks.count_documents({}) == 0


def test_bad_schedule_in_registry_stops_the_scheduler(site, env):
    registry = _registry(site, env["tmp"] / "sources.yaml", "every fortnight")
    run = subprocess.run([sys.executable, "-m", "crawler.schedule", "--registry", str(registry),
                          "--mongo-uri", env["uri"], "--database", env["database"]],
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert run.returncode == 2
    assert "'fx-portal'" in run.stderr and "'schedule'" in run.stderr
