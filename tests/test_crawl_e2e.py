"""End to end: `scrapy crawl news` over the fixture sites into MongoDB over the wire.

The crawl runs as a real `scrapy crawl` subprocess (as users run it) against the fixture
server on loopback, storing into the test session's SecantusDB server through pymongo.
"""
from __future__ import annotations

import re
import uuid
from pathlib import Path

import pymongo
import pytest

from crawling import run_scrapy
from fixturesite import FixtureServer
from pipelines.urls import canonical_url

pytestmark = pytest.mark.slow  # real crawls (README, "Tests")

SEEDS = Path(__file__).resolve().parent.parent.parent / "shared" / "seeds"


@pytest.fixture(scope="module")
def site():
    with FixtureServer(hang_seconds=6.0) as server:
        yield server


@pytest.fixture(scope="module")
def crawled(site, mongo_server, tmp_path_factory):
    """Crawl the fixture sites twice into one fresh database; keep both runs' output."""
    registry = tmp_path_factory.mktemp("registry") / "sources.yaml"
    site.write_sources(registry)
    database = f"e2e_{uuid.uuid4().hex[:8]}"
    first = run_scrapy(registry, mongo_server, database)
    client = pymongo.MongoClient(mongo_server)
    db = client[database]
    snapshot = {d["url"]: d.get("fetch_count") for d in db.articles.find({}, {"url": 1, "fetch_count": 1})}
    # The second crawl re-fetches every article (incremental skipping off), so it is a
    # real test of de-duplication rather than of the revisit policy.
    second = run_scrapy(registry, mongo_server, database, "-s", "MARSAD_INCREMENTAL=False")
    yield {"db": db, "first": first, "second": second, "snapshot": snapshot, "site": site}
    client.drop_database(database)
    client.close()


def _catalogue(site, kind=None):
    return [p for p in site.catalogue() if kind is None or p["kind"] == kind]


def test_crawl_exits_cleanly(crawled):
    for run in (crawled["first"], crawled["second"]):
        assert run.returncode == 0, run.stderr[-3000:]
        assert "Traceback" not in run.stderr, run.stderr[-3000:]
        assert "'finish_reason': 'finished'" in run.stderr


def _seed_body(name: str) -> tuple[str, list[str]]:
    """The seed's title line and its body paragraphs (clock and widget lines are short)."""
    lines = [l.strip() for l in (SEEDS / name).read_text(encoding="utf-8").splitlines()]
    long_lines = [l for l in lines if len(l) > 40]
    return long_lines[0], [l for l in long_lines[1:] if len(l) > 60]


@pytest.mark.parametrize("seed,day,title_part", [
    ("seed_mastouma.txt", "2015-05-19", "المسطومة"),
    ("seed_jisr_al_shughur.txt", "2015-05-22", "جسر الشغور"),
])
def test_seed_articles_stored_right(crawled, seed, day, title_part):
    db = crawled["db"]
    doc = db.articles.find_one({"title": {"$regex": title_part}, "published_local": {"$regex": f"^{day}"}})
    assert doc is not None, [(d["title"], d.get("published_local")) for d in db.articles.find({}, {"title": 1, "published_local": 1})]
    text = doc["text"]
    if SEEDS.exists():
        title, paragraphs = _seed_body(seed)
        assert " ".join(doc["title"].split()) in " ".join(title.split())
        for paragraph in paragraphs:
            assert " ".join(paragraph.split())[:80] in " ".join(text.split()), paragraph[:80]
    for boilerplate in ("أترك تعليقا", "مدونون معجبون", "بتوقيت القاهرة", "التوقيت الإثنين"):
        assert boilerplate not in text
    assert doc["published"].year == 2015


def test_every_catalogued_article_is_stored_without_boilerplate(crawled):
    db = crawled["db"]
    articles = [p for p in _catalogue(crawled["site"], "article") if p["expect"] == "stored"]
    assert len(articles) >= 30
    missing, leaks, wrong_dates = [], [], []
    for page in articles:
        key = canonical_url(page.get("canonical_url") or page["url"])
        doc = db.articles.find_one({"url": key})
        if doc is None:
            missing.append(page["url"])
            continue
        leaks += [(page["url"], s) for s in page.get("must_not_contain", []) if s in doc["text"]]
        if page.get("published") and not (doc.get("published_local") or "").startswith(page["published"][:10]):
            wrong_dates.append((page["url"], page["published"], doc.get("published_local")))
    assert not missing, missing
    assert not leaks, leaks
    assert not wrong_dates, wrong_dates


def test_second_crawl_adds_no_duplicates(crawled):
    db = crawled["db"]
    urls = [d["url"] for d in db.articles.find({}, {"url": 1})]
    assert len(urls) == len(set(urls))
    assert set(urls) == set(crawled["snapshot"])
    not_refetched = [d["url"] for d in db.articles.find({}, {"url": 1, "fetch_count": 1})
                     if d.get("fetch_count", 0) <= crawled["snapshot"].get(d["url"], 0)]
    assert not not_refetched, "every article was fetched again and counted once more"


def test_bad_pages_recorded_by_reason(crawled):
    """Every page that must not become an article is absent from `articles`; every one
    that was fetched as an article candidate has a drop with the catalogue's reason."""
    db = crawled["db"]
    expected = [p for p in crawled["site"].catalogue() if p["expect"].split(":")[0] in ("dropped", "fetch_error")]
    assert len(expected) >= 10
    stored, wrong, missing = [], [], []
    for page in expected:
        reason = page["expect"].split(":", 1)[1]
        urls = [page["url"], canonical_url(page["url"])]
        if db.articles.find_one({"url": {"$in": urls}}):
            stored.append(page["url"])
        found = db.drops.find_one({"url": {"$in": urls}})
        if found is not None and found["reason"] != reason:
            wrong.append((page["url"], reason, found["reason"]))
        # listing pages reached through pagination are read as listings, not articles
        if found is None and reason != "not_article":
            missing.append((page["url"], reason))
    assert not stored, stored
    assert not wrong, wrong
    assert not missing, missing
    assert "marsad/dropped/" in crawled["first"].stderr


def test_indexes_exist(crawled):
    info = crawled["db"].articles.index_information()
    keys = {tuple(k for k, _ in spec["key"]) for spec in info.values()}
    assert ("url",) in keys and any(spec.get("unique") for spec in info.values() if spec["key"] == [("url", 1)])
    assert ("text_hash",) in keys
    assert crawled["db"].drops.index_information()


def test_embedded_default_and_locked_directory(site, tmp_path):
    """Without MONGO_URI the crawl starts its own server on the data dir; a second crawl
    on the same directory while it is held stops with a message saying what to do."""
    from pipelines.storage import open_database

    registry = tmp_path / "sources.yaml"
    site.write_sources(registry)
    data_dir = tmp_path / "data"
    # Heap trims this often so that this short crawl makes some (a real one: every 30 s).
    run = run_scrapy(registry, None, "marsad", "-a", "source=fx-portal", "-s", "MARSAD_HEAP_TRIM_EVERY=0.01",
                     data_dir=data_dir)
    assert run.returncode == 0, run.stderr[-3000:]
    assert re.search(r"'marsad/heap_trims': [1-9]", run.stderr), run.stderr[-3000:]
    with open_database(None, "marsad", str(data_dir)) as conn:
        assert conn.db.articles.count_documents({}) > 0
        held = run_scrapy(registry, None, "marsad", "-a", "source=fx-portal", data_dir=data_dir, timeout=60)
    assert held.returncode != 0
    assert str(data_dir) in held.stderr and "MONGO_URI" in held.stderr


def test_events_stored_with_their_articles(crawled):
    """The crawl writes each article's events to `events` and a summary on the article."""
    db = crawled["db"]
    with_events = list(db.articles.find({"event_count": {"$gt": 0}}, {"url": 1, "event_count": 1, "_id": 1}))
    assert with_events, "the fixture's conflict reports should yield events"
    for article in with_events:
        events = list(db.events.find({"article_url": article["url"]}))
        assert len(events) == article["event_count"]
        assert all(e["article_id"] == article["_id"] for e in events)
    assert db.events.count_documents({}) == sum(a["event_count"] for a in with_events)
    # the Jisr al-Shughur seed: the chlorine barrel bombs on al-Bishiriya are among its events
    seed = db.articles.find_one({"title": {"$regex": "جسر الشغور"}, "published_local": {"$regex": "^2015-05-22"}})
    kinds = {(e["sub_event_type"], (e.get("location") or {}).get("name_en"))
             for e in db.events.find({"article_url": seed["url"]})}
    assert any(sub == "Chemical weapon" for sub, _ in kinds), kinds
    assert "date_1" in db.events.index_information() or db.events.index_information()
