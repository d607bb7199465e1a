"""ArticleStore against a real SecantusDB server over the MongoDB wire protocol."""
from __future__ import annotations

import datetime as dt
import zlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.storage import ArticleStore, article_key, build_document, load_raw_html
from pipelines.storage.store import EDIT_MIN_SHARE, article_update

UTC = dt.timezone.utc
TEXT = "قالت مصادر محلية إن المستشفى أُخلي ليلاً.\nوأضافت أن الطرق كانت مقطوعة."


def record(url, *, text=TEXT, quality=0.8, fetched_at="2026-11-20T08:00:00Z", **fields):
    base = {
        "url": url, "final_url": url, "status": 200, "content_type": "text/html",
        "source": "example", "fetched_at": fetched_at, "hints": {"via": "rss"},
        "raw_html": f"<html><body><p>{text}</p></body></html>".encode("utf-8", "replace"), "encoding": "utf-8",
        "title": "عنوان", "text": text, "paragraphs": text.split("\n"), "authors": [],
        "language": "ar", "canonical_url": None, "is_article": True, "quality": quality,
        "published": "2015-05-22T14:05:00+03:00", "published_utc": "2015-05-22T11:05:00Z",
        "published_precision": "minute", "published_source": "meta",
    }
    base.update(fields)
    return base


@pytest.fixture
def store(mongo_db):
    s = ArticleStore(mongo_db, batch_size=50)
    s.ensure_indexes()
    return s


def test_indexes_exist(store, mongo_db):
    info = mongo_db.articles.index_information()
    keys = {tuple(k for k, _ in v["key"]): v for v in info.values()}
    assert keys[("url",)].get("unique") is True
    assert ("text_hash",) in keys and not keys[("text_hash",)].get("unique")
    assert ("source", "published") in keys
    assert ("published",) in keys and ("first_seen",) in keys
    raw = {tuple(k for k, _ in v["key"]): v for v in mongo_db.raw_pages.index_information().values()}
    assert raw[("url", "sha256")].get("unique") is True
    drops = {tuple(k for k, _ in v["key"]): v for v in mongo_db.drops.index_information().values()}
    assert drops[("url",)].get("unique") is True
    store.ensure_indexes()  # idempotent


def test_url_variants_upsert_into_one_document(store, mongo_db):
    variants = [
        "https://www.example.com/news/1/?utm_source=facebook",
        "https://m.example.com/news/1/amp/",
        "https://example.com/news/1/?fbclid=abc&amp=1",
        "https://example.com/news/1/index.php",
    ]
    for i, url in enumerate(variants):
        store.add(record(url, fetched_at=f"2026-11-20T0{i}:00:00Z"))
    store.flush()
    docs = list(mongo_db.articles.find())
    assert len(docs) == 1
    doc = docs[0]
    assert doc["url"] == "https://example.com/news/1/"
    assert doc["fetch_count"] == 4
    assert doc["first_seen"] == dt.datetime(2026, 11, 20, 0, 0, tzinfo=UTC)
    assert doc["last_seen"] == dt.datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
    assert store.stats["new"] == 1 and store.stats["unchanged"] == 3
    assert doc["revision"] == 1


def test_first_seen_last_seen_fetch_count_across_flushes(store, mongo_db):
    store.add(record("https://example.com/a", fetched_at="2026-11-20T10:00:00Z"))
    store.flush()
    store.add(record("https://example.com/a", fetched_at="2026-11-21T10:00:00Z"))
    store.flush()
    # A late, older fetch (e.g. a WARC backfill) moves first_seen back, not last_seen.
    store.add(record("https://example.com/a", fetched_at="2026-11-19T10:00:00Z"))
    store.flush()
    doc = mongo_db.articles.find_one({"url": "https://example.com/a"})
    assert doc["fetch_count"] == 3
    assert doc["first_seen"] == dt.datetime(2026, 11, 19, 10, tzinfo=UTC)
    assert doc["last_seen"] == dt.datetime(2026, 11, 21, 10, tzinfo=UTC)


def test_published_stored_as_datetime(store, mongo_db):
    store.add(record("https://example.com/d"))
    store.close()
    doc = mongo_db.articles.find_one({"published": {"$gte": dt.datetime(2015, 5, 22, tzinfo=UTC),
                                                    "$lt": dt.datetime(2015, 5, 23, tzinfo=UTC)}})
    assert doc is not None and doc["published_local"] == "2015-05-22T14:05:00+03:00"


def test_same_text_under_another_url_is_flagged(store, mongo_db):
    store.add(record("https://example.com/original"))
    store.flush()
    # Same text with diacritics, tatweel and a different alef/ta-marbuta spelling.
    copy = TEXT.replace("المستشفى", "المُستشـفى").replace("أُخلي", "اخلي")
    store.add(record("https://mirror.example.org/copied", text=copy))
    store.add(record("https://example.com/other", text="نص مختلف تماماً عن الخبر."))
    store.flush()
    copied = mongo_db.articles.find_one({"url": "https://mirror.example.org/copied"})
    assert copied["duplicate_of"] == "https://example.com/original"
    assert mongo_db.articles.find_one({"url": "https://example.com/original"})["duplicate_of"] is None
    assert mongo_db.articles.find_one({"url": "https://example.com/other"})["duplicate_of"] is None
    assert store.stats["duplicates"] == 1
    # Re-fetching the original does not turn it into a copy of its own copy.
    store.add(record("https://example.com/original"))
    store.flush()
    assert mongo_db.articles.find_one({"url": "https://example.com/original"})["duplicate_of"] is None


def test_duplicates_within_one_batch(store, mongo_db):
    store.add(record("https://a.example.com/x"))
    store.add(record("https://b.example.com/y"))
    store.flush()
    assert mongo_db.articles.find_one({"url": "https://a.example.com/x"})["duplicate_of"] is None
    assert mongo_db.articles.find_one({"url": "https://b.example.com/y"})["duplicate_of"] == "https://a.example.com/x"


def test_raw_html_round_trips_compressed_and_is_not_stored_twice(store, mongo_db):
    raw = ("<html><head><meta charset=windows-1256></head><body>" + "خبر " * 2000 + "</body></html>").encode("cp1256")
    for when in ("2026-11-20T08:00:00Z", "2026-11-20T09:00:00Z"):
        store.add(record("https://www.example.com/r?utm_medium=x", raw_html=raw, fetched_at=when, encoding="windows-1256"))
        store.flush()
    assert load_raw_html(mongo_db, "https://m.example.com/r") == raw
    pages = list(mongo_db.raw_pages.find())
    assert len(pages) == 1
    page = pages[0]
    assert page["compressed_size"] < len(raw) / 5 and zlib.decompress(page["data"]) == raw
    assert page["fetch_count"] == 2 and page["encoding"] == "windows-1256"
    assert page["last_fetched_at"] == dt.datetime(2026, 11, 20, 9, tzinfo=UTC)
    assert store.stats["raw_pages_new"] == 1
    assert load_raw_html(mongo_db, "https://example.com/never-stored") is None


def test_worse_extraction_does_not_overwrite_better(store, mongo_db):
    store.add(record("https://example.com/q", quality=0.9))
    store.flush()
    store.add(record("https://example.com/q", quality=0.3, text="نص مبتور", raw_html=b"<html>stub</html>"))
    store.flush()
    doc = mongo_db.articles.find_one({"url": "https://example.com/q"})
    assert doc["text"] == TEXT and doc["quality"] == 0.9
    assert doc["fetch_count"] == 2  # the visit still counts
    assert store.stats["kept_existing"] == 1
    # The article still points at the raw page of the extraction it keeps.
    assert load_raw_html(mongo_db, "https://example.com/q") == record("x")["raw_html"]
    # Same quality, shorter text: kept. Better quality: replaces, and counts a revision.
    store.add(record("https://example.com/q", quality=0.9, text=TEXT[:20]))
    store.add_drop({"url": "https://example.com/z", "reason": "not_article"})  # unrelated
    store.flush()
    assert mongo_db.articles.find_one({"url": "https://example.com/q"})["text"] == TEXT
    better = TEXT + "\nتحديث: ارتفع عدد الضحايا."
    store.add(record("https://example.com/q", quality=0.95, text=better))
    store.flush()
    doc = mongo_db.articles.find_one({"url": "https://example.com/q"})
    assert doc["text"] == better and doc["revision"] == 2 and store.stats["updated"] == 1
    # Same quality, an edit that keeps most of the text (a corrected figure, a cut
    # paragraph): the newer version wins and the previous one is kept as a revision.
    edited = better.replace("ارتفع عدد الضحايا", "انخفض العدد")
    assert EDIT_MIN_SHARE * len(better) <= len(edited) < len(better)
    store.add(record("https://example.com/q", quality=0.95, text=edited))
    store.flush()
    doc = mongo_db.articles.find_one({"url": "https://example.com/q"})
    assert doc["text"] == edited and doc["revision"] == 3
    assert mongo_db.article_revisions.find_one({"url": "https://example.com/q", "revision": 2})["text"] == better


def test_quality_guard_holds_inside_the_write(mongo_db, store):
    """A writer that read the store before another wrote a better version must still
    not overwrite it: the comparison runs in the update itself."""
    good = build_document(record("https://example.com/race", quality=0.9))
    poor = build_document(record("https://example.com/race", quality=0.2, text="قصير"))
    seen = dt.datetime(2026, 11, 20, tzinfo=UTC)
    mongo_db.articles.bulk_write([article_update(good, seen)])
    mongo_db.articles.bulk_write([article_update(poor, seen)])
    doc = mongo_db.articles.find_one({"url": "https://example.com/race"})
    assert doc["quality"] == 0.9 and doc["text"] == TEXT and doc["fetch_count"] == 2


def test_hostile_content_is_stored_safely(store, mongo_db):
    hostile = record(
        "https://example.com/h",
        title="$title" + "ع" * 5000,
        text="سطر\x00 أول\x1b\nسطر ثانٍ\ud800",
        hints={"$where": "sleep(1)", "a.b": {"$gt": ""}, "via": "$$ROOT", "big": 2**80},
        authors=["$author", "x.y"],
        events=[{"event_type": "$set"}],
    )
    store.add(hostile)
    store.flush()
    doc = mongo_db.articles.find_one({"url": "https://example.com/h"})
    assert doc["title"].startswith("$title") and len(doc["title"]) == 1000
    assert "title_truncated" in doc["sanitised"] and "keys_escaped" in doc["sanitised"]
    assert doc["text"] == "سطر أول\nسطر ثانٍ\ufffd"
    assert doc["hints"]["%24where"] == "sleep(1)" and doc["hints"]["a%2Eb"] == {"%24gt": ""}
    assert doc["hints"]["via"] == "$$ROOT"  # a value, not an expression
    assert doc["hints"]["big"] == str(2**80)
    assert doc["authors"] == ["$author", "x.y"] and doc["event_types"] == ["$set"]
    assert store.stats["write_errors"] == 0


def test_drops_recorded_with_counts_and_reasons(store, mongo_db):
    drop = {"url": "https://www.example.com/tag/syria/?utm_source=x", "source": "example",
            "reason": "not_article", "detail": "listing page", "status": 200,
            "fetched_at": "2026-11-20T08:00:00Z"}
    store.add_drop(drop)
    store.add_drop({**drop, "reason": "soft_404", "fetched_at": "2026-11-21T08:00:00Z"})
    store.add_drop({**drop, "url": "https://example.com/video/1", "reason": "video_only"})
    counts = store.flush()
    assert counts["drops"] == 3
    doc = mongo_db.drops.find_one({"url": "https://example.com/tag/syria/"})
    assert doc["count"] == 2 and doc["reasons"] == {"not_article": 1, "soft_404": 1}
    assert doc["reason"] in ("not_article", "soft_404") and doc["source"] == "example"
    assert doc["last_seen"] == dt.datetime(2026, 11, 21, 8, tzinfo=UTC)
    assert dict(store.stats["dropped"]) == {"not_article": 1, "soft_404": 1, "video_only": 1}
    assert mongo_db.drops.count_documents({}) == 2


def test_records_without_url_become_drops(store, mongo_db):
    store.add(record(None, final_url=None))
    store.flush()
    assert mongo_db.articles.count_documents({}) == 0
    assert store.stats["dropped"]["storage_error"] == 1


def test_writes_are_batched(mongo_db):
    store = ArticleStore(mongo_db, batch_size=10)
    store.ensure_indexes()
    for i in range(25):
        store.add(record(f"https://example.com/b/{i}", text=f"{TEXT} {i}"))
    # Two full batches went out on their own; five records wait in the buffer.
    assert store.stats["flushes"] == 2 and store.pending == 5
    assert mongo_db.articles.count_documents({}) == 20
    counts = store.flush()
    assert counts["new"] == 5
    stats = store.close()
    assert stats["new"] == 25 and stats["flushes"] == 3
    assert mongo_db.articles.count_documents({}) == 25


def test_same_url_twice_in_one_batch_is_written_in_order(store, mongo_db):
    store.add(record("https://example.com/twice", quality=0.5, text="أول"))
    store.add(record("https://example.com/twice", quality=0.6, text="ثان أطول"))
    store.flush()
    doc = mongo_db.articles.find_one({"url": "https://example.com/twice"})
    assert doc["text"] == "ثان أطول" and doc["fetch_count"] == 2


def test_not_an_article_record_becomes_a_drop(store, mongo_db):
    store.add(record("https://example.com/section/", is_article=False, drop_reason="not_article"))
    store.flush()
    assert mongo_db.articles.count_documents({}) == 0
    assert mongo_db.drops.find_one({"url": "https://example.com/section/"})["reason"] == "not_article"


def test_concurrent_writers_store_each_article_once(mongo_server, mongo_db):
    """Two stores on two connections upsert the same URLs at the same time."""
    import threading

    import pymongo

    urls = [f"https://example.com/c/{i}" for i in range(60)]
    clients = [pymongo.MongoClient(mongo_server, tz_aware=True) for _ in range(2)]
    stores = [ArticleStore(c[mongo_db.name], batch_size=7) for c in clients]
    stores[0].ensure_indexes()
    errors = []

    def work(store, quality):
        try:
            for url in urls:
                store.add(record(url, quality=quality, text=f"{TEXT} {url[-2:]} {quality}"))
            store.close()
        except Exception as exc:  # reported below; a thread cannot fail the test itself
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(s, q)) for s, q in zip(stores, (0.5, 0.7))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    for c in clients:
        c.close()
    assert not errors
    assert mongo_db.articles.count_documents({}) == len(urls)
    for doc in mongo_db.articles.find():
        assert doc["fetch_count"] == 2
        assert doc["quality"] == 0.7  # the better extraction wins whatever the order
    assert sum(s.stats["write_errors"] for s in stores) == 0


def test_unreachable_database_keeps_the_batch_for_a_spool(tmp_path):
    """The server goes away: flush raises a clear error, nothing buffered is lost, and
    the records handed out by take_pending() store exactly once when it is back."""
    import pymongo

    from pipelines.storage import EmbeddedServer, StorageUnavailableError

    server = EmbeddedServer(tmp_path / "db").start()
    client = pymongo.MongoClient(server.uri, tz_aware=True, serverSelectionTimeoutMS=500)
    store = ArticleStore(client["spool"], batch_size=100)
    store.ensure_indexes()
    store.add(record("https://example.com/s/0"))
    store.flush()
    server.stop()
    for i in (1, 2, 3, 1):
        store.add(record(f"https://example.com/s/{i}", text=f"{TEXT} {i}"))
    store.add_drop({"url": "https://example.com/tag/x", "reason": "not_article"})
    with pytest.raises(StorageUnavailableError, match="4 articles and 1 drops are still buffered"):
        store.flush()
    assert store.pending == 5
    items = store.take_pending()
    assert [it["kind"] for it in items] == ["article"] * 4 + ["drop"]
    assert store.pending == 0
    client.close()

    server = EmbeddedServer(tmp_path / "db").start()
    client = pymongo.MongoClient(server.uri, tz_aware=True)
    try:
        again = ArticleStore(client["spool"])
        for item in items:
            (again.add if item["kind"] == "article" else again.add_drop)(item["record"])
        again.close()
        db = client["spool"]
        assert sorted(d["url"] for d in db.articles.find()) == [f"https://example.com/s/{i}" for i in range(4)]
        assert {d["url"]: d["fetch_count"] for d in db.articles.find()} == {
            "https://example.com/s/0": 1, "https://example.com/s/1": 2,
            "https://example.com/s/2": 1, "https://example.com/s/3": 1}
        assert db.drops.count_documents({}) == 1
    finally:
        client.close()
        server.stop()


junk = st.one_of(st.none(), st.integers(), st.floats(), st.text(max_size=30), st.binary(max_size=30),
                 st.lists(st.text(max_size=5), max_size=3),
                 st.dictionaries(st.text(max_size=6), st.text(max_size=6), max_size=3))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fields=st.dictionaries(st.sampled_from(
    ["title", "text", "hints", "authors", "tags", "quality", "status", "published_utc", "fetched_at",
     "raw_html", "events", "canonical_url", "encoding", "published_raw"]), junk, max_size=6))
def test_arbitrary_field_values_never_break_a_write(store, mongo_db, fields):
    hostile = record("https://example.com/fuzz")
    hostile.update(fields)
    store.add(hostile)
    store.flush()
    assert store.stats["write_errors"] == 0
    stored = mongo_db.articles.find_one({"url": article_key(hostile)})
    assert stored is not None and stored["text_length"] == len(stored["text"])


def test_conflicting_existing_index_gives_a_clear_error(mongo_db):
    from pipelines.storage import StorageError

    mongo_db.articles.create_index("url", name="url_unique")  # same name, not unique
    with pytest.raises(StorageError, match=r"indexes of .*\.articles"):
        ArticleStore(mongo_db).ensure_indexes()


def test_original_is_the_earliest_published_copy_even_when_crawled_later(store, mongo_db):
    copy = record("https://aggregator.example.net/story", published_utc="2015-05-23T09:00:00Z")
    store.add(copy)
    store.add(record("https://another.example.org/story", published_utc=None))
    store.flush()
    assert mongo_db.articles.find_one({"url": "https://another.example.org/story"})["duplicate_of"] == \
        "https://aggregator.example.net/story"
    # The original site's page, published a day earlier, is only crawled now.
    store.add(record("https://example.com/original-story", published_utc="2015-05-22T11:05:00Z"))
    store.flush()
    by_url = {d["url"]: d["duplicate_of"] for d in mongo_db.articles.find()}
    assert by_url == {
        "https://example.com/original-story": None,
        "https://aggregator.example.net/story": "https://example.com/original-story",
        "https://another.example.org/story": "https://example.com/original-story",
    }
    assert store.stats["duplicates_repointed"] == 2


def test_one_failing_document_does_not_break_the_batch(store, mongo_db):
    """A write error on one operation (here: a unique index on title that another
    program added) drops that article with reason storage_error; the rest is stored."""
    mongo_db.articles.create_index("title", unique=True, name="title_unique_by_someone_else")
    store.add(record("https://example.com/e/1", title="عنوان مكرر", text=f"{TEXT} 1"))
    store.flush()
    store.add(record("https://example.com/e/2", title="عنوان مكرر", text=f"{TEXT} 2"))
    store.add(record("https://example.com/e/3", title="عنوان آخر", text=f"{TEXT} 3"))
    store.flush()
    assert sorted(d["url"] for d in mongo_db.articles.find()) == ["https://example.com/e/1", "https://example.com/e/3"]
    assert store.stats["write_errors"] == 1
    drop = mongo_db.drops.find_one({"url": "https://example.com/e/2"})
    assert drop["reason"] == "storage_error" and "articles" in drop["detail"]
