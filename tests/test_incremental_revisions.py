"""A changed article becomes a new revision and the previous one is kept in
article_revisions; an unchanged re-fetch keeps no copy. Plus the revisit rule."""
from __future__ import annotations

import datetime as dt

import pytest

from pipelines.storage import ArticleStore
from pipelines.storage.revisits import conditional_headers, revisit_reason

URL = "https://news.example/2015/05/22/report/"
V1 = "قتل خمسة مدنيين في قصف على بلدة في ريف إدلب صباح اليوم بحسب مصادر محلية."
V2 = "ارتفع عدد القتلى إلى اثني عشر مدنياً في قصف على بلدة في ريف إدلب صباح اليوم بحسب مصادر محلية."


def record(text, fetched_at, quality=0.8):
    return {"url": URL, "final_url": URL, "status": 200, "content_type": "text/html",
            "source": "example", "fetched_at": fetched_at, "hints": {"via": "rss"},
            "raw_html": f"<html><body><p>{text}</p></body></html>".encode(), "encoding": "utf-8",
            "title": "قصف على ريف إدلب", "text": text, "paragraphs": [text], "authors": [],
            "language": "ar", "canonical_url": None, "is_article": True, "quality": quality,
            "published": "2015-05-22T14:05:00+03:00", "published_precision": "minute",
            "published_source": "meta"}


def test_changed_text_keeps_previous_revision(mongo_db):
    store = ArticleStore(mongo_db, batch_size=1)
    store.ensure_indexes()
    store.add(record(V1, "2026-11-20T08:00:00Z"))
    store.add(record(V1, "2026-11-20T09:00:00Z"))  # unchanged re-fetch
    assert mongo_db.article_revisions.count_documents({}) == 0
    store.add(record(V2, "2026-11-21T08:00:00Z"))  # casualty figure revised
    store.add(record(V2 + " وأصيب آخرون.", "2026-11-22T08:00:00Z"))
    store.close()
    article = mongo_db.articles.find_one({"url": URL})
    assert article["revision"] == 3 and article["text"].startswith(V2)
    revisions = list(mongo_db.article_revisions.find({"url": URL}).sort("revision", 1))
    assert [r["revision"] for r in revisions] == [1, 2]
    assert revisions[0]["text"] == V1 and revisions[1]["text"] == V2
    assert revisions[0]["article_id"] == article["_id"]
    assert revisions[0]["fetched_at"] < revisions[1]["fetched_at"] < article["fetched_at"]
    assert store.stats["revisions_kept"] == 2 and store.stats["unchanged"] == 1
    assert {"url_revision_unique"} <= set(mongo_db.article_revisions.index_information())


NOW = dt.datetime(2026, 11, 22, 12, 0, tzinfo=dt.timezone.utc)


def _known(first_h_ago, last_h_ago, **extra):
    return {"first_fetched": NOW - dt.timedelta(hours=first_h_ago),
            "last_fetched": NOW - dt.timedelta(hours=last_h_ago), **extra}


@pytest.mark.parametrize("known,hints,expected", [
    (None, {}, "new"),
    (_known(0.5, 0.5), {}, None),                     # fetched 30 min ago
    (_known(2, 2), {}, "revisit_3600s"),              # 1 h point passed, not fetched since
    (_known(2, 0.5), {}, None),                       # already revisited after 1 h
    (_known(30, 0.5 + 28), {}, "revisit_86400s"),     # last fetch before the 24 h point
    (_known(30, 5), {}, None),                        # both revisits done
    (_known(30, 5), {"modified": (NOW - dt.timedelta(hours=1)).isoformat()}, "newer_in_listing"),
    (_known(30, 5), {"published": (NOW - dt.timedelta(hours=10)).isoformat()}, None),
    (_known(30, 5), {"modified": "not a date"}, None),
    ({"first_seen": NOW - dt.timedelta(hours=3), "last_seen": NOW - dt.timedelta(hours=3)}, {}, "revisit_3600s"),
    ({"etag": '"x"'}, {}, "new"),                     # no times at all: fetch
])
def test_revisit_reason(known, hints, expected):
    assert revisit_reason(known, hints, NOW) == expected


def test_revisit_points_are_settable():
    known = _known(0.01, 0.01)  # 36 s ago
    assert revisit_reason(known, {}, NOW, revisits=[10]) == "revisit_10s"
    assert revisit_reason(known, {}, NOW, revisits=[60]) is None


def test_conditional_headers():
    assert conditional_headers({"etag": '"abc"', "last_modified": "Fri, 22 May 2015 11:05:00 GMT"}) == {
        "If-None-Match": '"abc"', "If-Modified-Since": "Fri, 22 May 2015 11:05:00 GMT"}
    assert conditional_headers({"etag": None}) == {} and conditional_headers(None) == {}


def test_aliases_are_known_only_once_their_article_is_written(mongo_db):
    """An article fetched under an alias URL (redirect, ?p=ID) is known under that alias
    too, but only after the article itself is written: a fetch lost before its batch was
    flushed must be fetched again."""
    from pipelines.storage import ArticleStore
    from pipelines.storage.revisits import lookup_known
    from pipelines.urls import canonical_url

    alias, final = "https://news.example/?p=4098", "https://news.example/2015/05/22/story/"
    store = ArticleStore(mongo_db, batch_size=100)
    store.ensure_indexes()
    store.add({"url": alias, "final_url": final, "canonical_url": final, "source": "x",
               "status": 200, "title": "عنوان", "text": "نص الخبر الكامل هنا", "quality": 0.8,
               "fetched_at": "2026-11-20T08:00:00Z", "raw_html": b"<html></html>"})
    assert lookup_known(mongo_db, [canonical_url(alias)]) == {}  # buffered, not yet written
    store.flush()
    known = lookup_known(mongo_db, [canonical_url(alias), canonical_url(final), "https://news.example/other"])
    assert set(known) == {canonical_url(alias), canonical_url(final)}
    assert known[canonical_url(alias)]["first_seen"] is not None
    doc = mongo_db.articles.find_one({"url": canonical_url(final)})
    assert doc["aliases"] == [canonical_url(alias)]
