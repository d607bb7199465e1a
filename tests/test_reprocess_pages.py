"""Stored raw pages go through process_page again (`marsad reprocess`): a better extraction
replaces the stored one under the usual keep rule, without counting as a fetch."""
from __future__ import annotations

import json

from crawler.commands import main
from pipelines.archive import article_store, page_from_document, reprocess_pages
from pipelines.process import process_page
from pipelines.records import Article
from pipelines.storage import load_raw_html
from test_process_page import ARTICLE, _page


def _stored(db) -> dict:
    result = process_page(_page(ARTICLE.encode("utf-8")))
    assert isinstance(result, Article)
    with article_store(db, journal=False) as store:
        store.ensure_indexes()
        store.add(result)
    doc = db.articles.find_one({})
    assert doc["fetch_count"] == 1 and doc["raw_sha256"]
    return doc


def test_the_stored_page_is_the_page_that_was_fetched(mongo_db):
    doc = _stored(mongo_db)
    page = page_from_document(doc, load_raw_html(mongo_db, doc["url"]))
    original = _page(ARTICLE.encode("utf-8"))
    assert page.body == original["body"] and page.url == original["url"]
    assert page.fetched_at == original["fetched_at"] and page.hints == original["hints"]
    assert page.timezone == original["timezone"] and page.source == original["source"]
    assert process_page(page, with_events=False).text == process_page(original, with_events=False).text


def test_a_worse_stored_extraction_is_replaced_and_nothing_counts_as_a_fetch(mongo_db):
    doc = _stored(mongo_db)
    events_before = mongo_db.events.count_documents({"article_url": doc["url"]})
    # An older extractor's result: less text, lower quality, no events.
    mongo_db.articles.update_one({"_id": doc["_id"]}, {"$set": {
        "text": "نص قديم", "text_length": 7, "text_hash": "old", "quality": 0.1, "event_count": 0}})
    mongo_db.events.delete_many({})
    with article_store(mongo_db, journal=False) as store:
        counts = reprocess_pages(mongo_db, store)
    assert counts["pages"] == counts["articles"] == 1 and counts["store"]["updated"] == 1
    after = mongo_db.articles.find_one({"_id": doc["_id"]})
    assert after["text"] == doc["text"] and after["quality"] == doc["quality"]
    assert after["fetch_count"] == 1 and after["last_seen"] == doc["last_seen"]
    assert after["revision"] == 2 and mongo_db.article_revisions.count_documents({}) == 1
    assert mongo_db.raw_pages.count_documents({}) == 1
    assert mongo_db.raw_pages.find_one({})["fetch_count"] == 1
    assert mongo_db.events.count_documents({"article_url": doc["url"]}) == events_before
    assert after["event_count"] == events_before

    with article_store(mongo_db, journal=False) as store:
        again = reprocess_pages(mongo_db, store)
    assert again["store"]["unchanged"] == 1
    assert mongo_db.articles.find_one({"_id": doc["_id"]})["revision"] == 2


def test_articles_without_raw_html_are_counted_not_lost(mongo_db):
    doc = _stored(mongo_db)
    mongo_db.articles.update_one({"_id": doc["_id"]}, {"$set": {"raw_sha256": None}})
    with article_store(mongo_db, journal=False) as store:
        counts = reprocess_pages(mongo_db, store)
    assert counts["skipped"] == {"no_raw_html": 1} and "pages" not in counts
    assert mongo_db.articles.count_documents({}) == 1


def test_command(mongo_db, mongo_server, capsys):
    _stored(mongo_db)
    code = main(["reprocess", "--mongo-uri", mongo_server, "--database", mongo_db.name, "--no-events"])
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["pages"] == 1 and summary["store"]["unchanged"] == 1
