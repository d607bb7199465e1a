"""End to end: `scrapy crawl news` over the five outlets of the outlets fixture set; the
article store's batch hook groups wire copies into stories and merges the outlets' event
reports into incidents, measured against the set's ground truth."""
from __future__ import annotations

import io
import uuid

import pymongo
import pytest
from crawling import run_scrapy

from fixturesite.outlets_site import OutletsServer
from pipelines.export import iter_incidents, publications, write_incidents
from pipelines.incidents.evaluate import pairwise, predicted_incidents, predicted_stories
from pipelines.urls import canonical_url

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def crawled(mongo_server, tmp_path_factory):
    with OutletsServer() as site:
        registry = tmp_path_factory.mktemp("outlets") / "sources.yaml"
        site.write_sources(registry)
        database = f"outlets_{uuid.uuid4().hex[:8]}"
        run = run_scrapy(registry, mongo_server, database, "-s", "MONGO_BATCH_SIZE=10")
        client = pymongo.MongoClient(mongo_server, tz_aware=True)
        yield {"db": client[database], "run": run, "catalogue": site.catalogue(), "registry": str(registry)}
        client.drop_database(database)
        client.close()


def test_every_outlet_article_is_stored_with_a_story(crawled):
    assert crawled["run"].returncode == 0, crawled["run"].stderr[-2000:]
    db = crawled["db"]
    urls = {canonical_url(e["url"]) for e in crawled["catalogue"]}
    stored = {a["url"]: a for a in db.articles.find({}, {"url": 1, "story": 1, "story_original": 1})}
    assert urls <= set(stored)
    assert all(stored[u].get("story") for u in urls)


def test_wire_copies_are_grouped(crawled):
    truth = {canonical_url(e["url"]): e["story"] for e in crawled["catalogue"]}
    scores = pairwise(truth, predicted_stories(crawled["db"]))
    assert scores["true_pairs"] == 11
    assert scores["precision"] >= 0.9 and scores["recall"] >= 0.9, scores


def test_reports_are_merged_into_events(crawled):
    db = crawled["db"]
    truth = {canonical_url(e["url"]): e["event"] for e in crawled["catalogue"]}
    scores = pairwise(truth, predicted_incidents(db))
    # floors under the measured figures (bench/bench_incidents.py --crawl); they move with
    # the event extractor (README)
    assert scores["precision"] >= 0.95 and scores["recall"] >= 0.9, scores
    assert db.incidents.count_documents({}) < len(truth)
    out = io.StringIO()
    # the scales come from the registry the crawl ran with (its source_scale field)
    n = write_incidents(iter_incidents(db), "acled-csv", out, pubs=publications(crawled["registry"]))
    assert n == db.incidents.count_documents({})
    assert "Local-International" in out.getvalue() or "National-International" in out.getvalue()
