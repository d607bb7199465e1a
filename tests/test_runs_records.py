"""Run records: a real `scrapy crawl` writes one crawl_runs document; the table command reads it."""
from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pymongo
import pytest

from crawler.runs import build_run_document, format_table, outcome_of, table_rows
from fixturesite import FixtureServer
from crawling import run_scrapy

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def site():
    with FixtureServer(hang_seconds=2.0) as server:
        yield server


@pytest.fixture(scope="module")
def portal_run(site, mongo_server, tmp_path_factory):
    registry = tmp_path_factory.mktemp("runs") / "sources.yaml"
    site.write_sources(registry)
    database = f"runs_{uuid.uuid4().hex[:8]}"
    run_id = f"test-{uuid.uuid4().hex[:8]}"
    proc = run_scrapy(registry, mongo_server, database, "-a", "source=fx-portal",
                      "-s", f"MARSAD_RUN_ID={run_id}", "-s", "DOWNLOAD_TIMEOUT=1")
    client = pymongo.MongoClient(mongo_server, tz_aware=True)
    yield {"proc": proc, "db": client[database], "run_id": run_id, "database": database}
    client.drop_database(database)
    client.close()


@pytest.mark.slow
def test_crawl_writes_one_run_document(portal_run):
    proc, db = portal_run["proc"], portal_run["db"]
    assert proc.returncode == 0, proc.stderr[-3000:]
    runs = list(db.crawl_runs.find())
    assert len(runs) == 1
    run = runs[0]
    assert run["_id"] == portal_run["run_id"]
    assert run["sources"] == ["fx-portal"]
    assert run["finish_reason"] == "finished" and run["outcome"] == "finished"
    assert run["started_at"] < run["finished_at"]
    # The record agrees with what the crawl actually stored and dropped.
    assert run["articles"]["new"] == db.articles.count_documents({"source": "fx-portal"}) > 0
    assert run["articles_stored"] >= run["articles"]["new"]
    drops = {}
    for d in db.drops.find({"source": "fx-portal"}):
        drops[d["reason"]] = drops.get(d["reason"], 0) + d["count"]
    assert {k: v for k, v in run["dropped"].items() if k in drops} == drops
    # The portal serves a challenge page: it is counted as blocked.
    assert run["blocked"] == drops.get("challenge_page", 0) >= 1
    assert run["requests"] >= sum(run["responses_by_status"].values()) > 0
    assert run["responses_by_status"].get("200", 0) > 0
    assert run["bytes"] > 1_000_000  # the portal's ~10 MB page alone


@pytest.mark.slow
def test_runs_command_prints_the_table(portal_run, mongo_server):
    env = {**os.environ, "MONGO_URI": mongo_server, "MONGO_DATABASE": portal_run["database"]}
    out = subprocess.run([sys.executable, "-m", "crawler.runs", "--source", "fx-portal", "--last", "3"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    assert lines[0].split()[0] == "source" and len(lines) == 2
    run = portal_run["db"].crawl_runs.find_one()
    cells = lines[1].split()
    assert cells[0] == "fx-portal" and "finished" in cells
    assert str(run["articles"]["new"]) in cells
    other = subprocess.run([sys.executable, "-m", "crawler.runs", "--source", "no-such"],
                           cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert other.returncode == 0 and "no crawl runs" in other.stdout


def test_run_document_from_stats():
    start = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    stats = {"downloader/request_count": 7, "downloader/response_status_count/200": 4,
             "downloader/response_status_count/304": 2, "downloader/response_bytes": 5000,
             "marsad/store/new": 3, "marsad/store/unchanged": 1, "marsad/dropped/challenge_page": 2,
             "marsad/dropped/not_article": 1, "marsad/fetch_errors/timeout": 1}
    doc = build_run_document(stats, run_id="r1", sources=["b", "a"], finish_reason="shutdown",
                             started=start, finished=start + dt.timedelta(seconds=90))
    assert doc["sources"] == ["a", "b"] and doc["duration_s"] == 90
    assert doc["outcome"] == "interrupted" and doc["blocked"] == 2
    assert doc["responses_by_status"] == {"200": 4, "304": 2}
    assert doc["articles"]["new"] == 3 and doc["dropped"]["not_article"] == 1
    rows = table_rows([doc])
    assert len(rows) == 1 and rows[0][0] == "a,b"
    assert "interrupted" in format_table(rows)


@pytest.mark.parametrize("reason,stats,expected", [
    ("finished", {}, "finished"),
    ("closespider_timeout", {}, "finished"),
    ("shutdown", {}, "interrupted"),
    ("finished", {"marsad/store_error": "locked"}, "failed"),
    (None, {}, "failed"),
])
def test_outcome(reason, stats, expected):
    assert outcome_of(reason, stats) == expected
