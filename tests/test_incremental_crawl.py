"""Incremental crawls of the fixture site with real `scrapy crawl` runs: known articles are
not downloaded again until a revisit is due, revisits are conditional and a 304 only moves
last_seen; a JOBDIR crawl stopped midway resumes without fetching anything twice."""
from __future__ import annotations

import time
import uuid

import pytest

from fixturesite import FixtureServer
from crawling import run_scrapy

pytestmark = pytest.mark.slow  # real crawls (README, "Tests")

# The first revisit point, seconds: longer than a crawl of the portal takes, so the
# second crawl meets every article before it is due.
REVISIT = 15
FAST = ("-a", "source=fx-portal", "-s", "DOWNLOAD_TIMEOUT=1", "-s", "MARSAD_PROCESS_WORKERS=0",
        "-s", "MARSAD_EVENTS=False")


@pytest.fixture(scope="module")
def site():
    with FixtureServer(hang_seconds=2.0) as server:
        yield server


@pytest.fixture(scope="module")
def registry(site, tmp_path_factory):
    return site.write_sources(tmp_path_factory.mktemp("incr") / "sources.yaml")


@pytest.fixture
def db(mongo_client):
    name = f"incr_{uuid.uuid4().hex[:8]}"
    yield mongo_client[name]
    mongo_client.drop_database(name)


def _crawl(registry, uri, db, *extra):
    run_id = uuid.uuid4().hex
    proc = run_scrapy(registry, uri, db.name, *FAST, "-s", f"MARSAD_RUN_ID={run_id}", *extra)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    return db.crawl_runs.find_one({"_id": run_id}), proc


def test_known_articles_wait_for_revisit_then_come_back_conditionally(registry, mongo_server, db):
    revisit = ("-s", f"MARSAD_REVISIT_AFTER={REVISIT},100000")
    first, _ = _crawl(registry, mongo_server, db, *revisit)
    after_first = {d["url"]: d for d in db.articles.find()}
    assert first["articles"]["new"] == len(after_first) > 5
    tracked = {d["url"] for d in db.fetch_state.find({"url": {"$in": list(after_first)}})}
    assert len(tracked) >= len(after_first) // 2
    assert all(d.get("etag") for d in db.fetch_state.find({"url": {"$in": list(tracked)}}))

    second, proc = _crawl(registry, mongo_server, db, *revisit)
    assert second["articles"]["new"] == 0 and second["articles_stored"] < first["articles_stored"]
    assert second["requests"] < first["requests"] - len(tracked) + 1
    assert "marsad/incremental/not_due" in proc.stderr
    # fetch_state counts requests per requested URL (an alias of a stored article is its
    # own URL there, so it is not "known" and is fetched as new).
    fetches = {d["url"]: d["fetches"] for d in db.fetch_state.find({"url": {"$in": list(tracked)}})}
    assert all(n == 1 for n in fetches.values()), "fetched again too early"
    after_second = {d["url"]: d for d in db.articles.find()}
    # Articles also reached through an alias URL are fetched again through it; the others
    # show that a 304 leaves fetch_count alone.
    single = {u for u in tracked if after_first[u]["fetch_count"] == after_second[u]["fetch_count"] == 1}
    assert len(single) >= 5

    # every first fetch happened before the first run finished
    wait = first["finished_at"].timestamp() + REVISIT + 0.5 - time.time()
    time.sleep(max(0.0, wait))
    third, proc = _crawl(registry, mongo_server, db, *revisit)
    assert third["responses_by_status"].get("304", 0) >= len(tracked)
    assert third["articles"]["not_modified"] >= len(tracked)
    assert f"marsad/incremental/revisit_{REVISIT}s" in proc.stderr
    for d in db.articles.find({"url": {"$in": list(tracked)}}):
        before = after_second[d["url"]]
        assert d["last_seen"] > before["last_seen"]  # the 304 moved last_seen...
        assert d["revision"] == before["revision"] and d["text_hash"] == before["text_hash"]  # ...only
        if d["url"] in single:
            assert d["fetch_count"] == 1
    assert all(d["fetches"] == 2 for d in db.fetch_state.find({"url": {"$in": list(tracked)}}))
    assert db.fetch_state.count_documents({"not_modified": {"$gte": 1}}) >= len(tracked)

    fourth, _ = _crawl(registry, mongo_server, db, *revisit)  # the first revisit is done
    assert fourth["responses_by_status"].get("304", 0) == 0 and fourth["articles"]["new"] == 0


def test_incremental_off_fetches_everything(registry, mongo_server, db):
    first, _ = _crawl(registry, mongo_server, db)
    second, _ = _crawl(registry, mongo_server, db, "-s", "MARSAD_INCREMENTAL=False")
    assert second["responses_by_status"].get("304", 0) == 0
    assert second["articles"]["unchanged"] >= first["articles"]["new"]


def test_jobdir_pause_and_resume(registry, mongo_server, db, tmp_path):
    jobdir = tmp_path / "job"
    # Incremental off: only the JOBDIR state can keep the resumed run from refetching.
    common = ("-s", f"JOBDIR={jobdir}", "-s", "MARSAD_INCREMENTAL=False", "-s", "CONCURRENT_REQUESTS=2")
    paused, _ = _crawl(registry, mongo_server, db, *common, "-s", "CLOSESPIDER_ITEMCOUNT=3")
    assert paused["finish_reason"] == "closespider_itemcount"
    assert (jobdir / "spider.state").exists()
    stored_paused = db.articles.count_documents({})
    resumed, _ = _crawl(registry, mongo_server, db, *common)
    assert resumed["finish_reason"] == "finished"
    assert db.articles.count_documents({}) > stored_paused
    # A full crawl of another database gives the reference set of articles.
    reference = db.client[db.name + "_ref"]
    try:
        _crawl(registry, mongo_server, reference, "-s", "MARSAD_INCREMENTAL=False")
        expected = {d["url"]: d["fetch_count"] for d in reference.articles.find()}
    finally:
        db.client.drop_database(reference.name)
    # Same articles, each fetched as often as in one uninterrupted crawl (aliases of an
    # article are fetched once each there too).
    assert {d["url"]: d["fetch_count"] for d in db.articles.find()} == expected
