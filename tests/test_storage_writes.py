"""Fewer, cheaper writes: inserts for documents known to be new (the same documents the
rules' updates make), the update on a duplicate key, and fetch state written with the
article batches."""
from __future__ import annotations

import datetime as dt

import pytest
from pymongo.errors import BulkWriteError

from pipelines.storage import ArticleStore, build_document, revisits
from pipelines.storage.raw_pages import compress, raw_page_document, raw_page_update
from pipelines.storage.store import article_update, new_article_document

UTC = dt.UTC
TEXT = "قالت مصادر محلية إن المستشفى أُخلي ليلاً.\nوأضافت أن الطرق كانت مقطوعة."
SEEN = dt.datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def record(url, *, text=TEXT, quality=0.8, fetched_at="2026-11-20T08:00:00Z", **fields):
    base = {
        "url": url, "final_url": url + "?utm_source=x", "status": 200, "content_type": "text/html",
        "source": "example", "fetched_at": fetched_at, "hints": {"via": "rss", "$title": "x.y"},
        "raw_html": f"<html><body><p>{text}</p></body></html>".encode(), "encoding": "utf-8",
        "title": "$title عنوان", "text": text, "paragraphs": text.split("\n"), "authors": [],
        "language": "ar", "canonical_url": None, "is_article": True, "quality": quality,
        "published": "2015-05-22T14:05:00+03:00", "published_utc": "2015-05-22T11:05:00Z",
        "published_precision": "minute", "published_source": "meta",
    }
    base.update(fields)
    return base


def _without_id(doc):
    return {k: v for k, v in doc.items() if k != "_id"}


@pytest.mark.parametrize("text", [TEXT, ""])
@pytest.mark.parametrize("fetched", [True, False])
def test_the_insert_of_a_new_article_is_the_document_its_update_makes(mongo_db, text, fetched):
    doc = build_document(record("https://example.com/news/1/", text=text, final_url="https://m.example.com/n/1"))
    mongo_db.by_update.bulk_write([article_update(doc, SEEN, fetched=fetched)])
    mongo_db.by_insert.insert_one(new_article_document(doc, SEEN, fetched=fetched))
    by_update = _without_id(mongo_db.by_update.find_one())
    assert by_update == _without_id(mongo_db.by_insert.find_one())
    assert by_update["title"] == "$title عنوان"  # crawled strings stay literal both ways


def test_the_insert_of_a_new_raw_page_is_the_document_its_update_makes(mongo_db):
    raw = b"<html><body>" + "نص".encode() * 200 + b"</body></html>"
    fields = dict(compressed=compress(raw), sha256="ab" * 32, content_type="text/html",
                  encoding="utf-8", fetched_url="https://example.com/n/1", fetched_at=SEEN)
    mongo_db.by_update.bulk_write([raw_page_update("https://example.com/n/1", raw, **fields)])
    mongo_db.by_insert.insert_one(raw_page_document("https://example.com/n/1", raw, **fields))
    assert _without_id(mongo_db.by_update.find_one()) == _without_id(mongo_db.by_insert.find_one())


def test_new_articles_are_inserted_and_counted(mongo_db):
    store = ArticleStore(mongo_db, batch_size=100)
    store.ensure_indexes()
    for i in range(5):
        store.add(record(f"https://example.com/news/{i}/", text=f"{TEXT} {i}"))
    store.flush()
    assert store.stats["new"] == 5 and store.stats["raw_pages_new"] == 5
    assert mongo_db.articles.count_documents({"fetch_count": 1, "revision": 1}) == 5
    assert mongo_db.raw_pages.count_documents({"fetch_count": 1}) == 5


def test_a_key_stored_after_the_read_falls_back_to_the_rules(mongo_db, monkeypatch):
    """Another writer stores a better extraction between this store's read of the
    stored versions and its insert: the insert fails on the unique index, the update
    runs, and the better stored text is kept."""
    other = ArticleStore(mongo_db, batch_size=100)
    other.ensure_indexes()
    url = "https://example.com/news/7/"
    other.add(record(url, quality=0.95, text=TEXT + " النسخة الأفضل"))
    other.flush()
    store = ArticleStore(mongo_db, batch_size=100)
    real_find_in = revisits.find_in
    blind = {"left": 1}

    def stale_read(collection, field, keys, projection=None):
        # The first read (the stored versions) sees the collection as it was before.
        if blind["left"] and collection.name == "articles":
            blind["left"] -= 1
            return iter(())
        return real_find_in(collection, field, keys, projection)

    monkeypatch.setattr(revisits, "find_in", stale_read)
    store.add(record(url, quality=0.5, text="نص أقصر"))
    store.flush()
    doc = mongo_db.articles.find_one({"url": url})
    assert doc["quality"] == 0.95 and doc["text"].endswith("النسخة الأفضل")
    assert doc["fetch_count"] == 2 and mongo_db.articles.count_documents({}) == 1
    assert store.stats["write_errors"] == 0
    assert mongo_db.raw_pages.count_documents({"url": url}) == 2  # both versions kept


def test_fetch_state_waits_for_the_batch_and_is_written_with_it(mongo_db):
    buffer = revisits.FetchStateBuffer()
    store = ArticleStore(mongo_db, batch_size=3, fetch_states=buffer)
    store.ensure_indexes()
    revisits.ensure_fetch_state_indexes(mongo_db)
    key = "https://example.com/news/1/"
    buffer.add(revisits.fetch_update(key, source="example", status=200, at=SEEN, etag='"a"'))
    buffer.add(revisits.fetch_update(key, source="example", status=304, at=SEEN + dt.timedelta(hours=1)))
    assert mongo_db.fetch_state.count_documents({}) == 0  # nothing written per response
    store.add(record(key))
    store.flush()
    state = mongo_db.fetch_state.find_one({"url": key})
    assert state["fetches"] == 2 and state["not_modified"] == 1 and state["etag"] == '"a"'
    assert state["first_fetched"] == SEEN and state["last_fetched"] == SEEN + dt.timedelta(hours=1)
    assert len(buffer) == 0 and store.stats["fetch_states"] == 2
    # With no record waiting, a flush still writes what the crawl buffered.
    buffer.add(revisits.fetch_update("https://example.com/news/2/", source="example", status=200, at=SEEN))
    store.flush()
    assert mongo_db.fetch_state.count_documents({}) == 2


def test_the_fetch_state_buffer_keeps_order_and_a_bound():
    buffer = revisits.FetchStateBuffer(limit=3)
    ops = [revisits.fetch_update(f"u{i}", source=None, status=200, at=SEEN) for i in range(5)]
    for op in ops[:2]:
        buffer.add(op)
    taken = buffer.take()
    buffer.add(ops[2])
    buffer.put_back(taken)  # a failed write: its updates go first again
    assert buffer.take() == [ops[0], ops[1], ops[2]]
    for op in ops:
        buffer.add(op)
    assert len(buffer) == 3 and buffer.discarded == 2 and buffer.take() == ops[2:]


def test_a_new_article_is_inserted_with_its_events_summary(mongo_db):
    """The events sink's summary goes out with the insert, so its update finds nothing to
    change (the server would otherwise rewrite every index entry of the article)."""
    from pipelines.archive import article_store
    from pipelines.events.extractor import EXTRACTOR_VERSION

    store = article_store(mongo_db, batch_size=10)
    store.ensure_indexes()
    events = [{"event_type": "Battles", "sub_event_type": "Armed clash", "date": "2026-11-19",
               "fatalities": 2}, {"event_type": "Protests", "date": "2026-11-19"}, "not an event"]
    store.add(record("https://example.com/news/9/", events=events))
    store.flush()
    doc = mongo_db.articles.find_one({"url": "https://example.com/news/9/"})
    assert doc["events_version"] == EXTRACTOR_VERSION and doc["events_error"] is None
    assert doc["event_count"] == 2 and doc["event_types"] == ["Battles", "Protests"]
    assert mongo_db.events.count_documents({"article_url": doc["url"]}) == 2
    summary = {k: doc[k] for k in ("event_count", "event_types", "events_version", "events_error")}
    assert mongo_db.articles.update_one({"_id": doc["_id"]}, {"$set": summary}).modified_count == 0


def test_a_new_url_s_fetch_state_is_inserted_as_the_upsert_would_write_it(mongo_db):
    revisits.ensure_fetch_state_indexes(mongo_db)
    at = SEEN
    kwargs = dict(source="example", status=200, at=at, etag='"e"', last_modified="Mon, 01 Jan 2024 00:00:00 GMT")
    revisits.record_fetches(mongo_db, [revisits.fetch_update("u/upsert", **kwargs)])
    new = revisits.fetch_update("u/insert", new=True, **kwargs)
    assert isinstance(new, revisits.FetchWrite) and new.document is not None
    revisits.record_fetches(mongo_db, [new])

    def state(url):
        return {k: v for k, v in mongo_db.fetch_state.find_one({"url": url}).items() if k not in ("_id", "url")}
    assert state("u/insert") == state("u/upsert")
    # believed new but known after all (a page fetched and lost, another crawler): the
    # upsert runs, before a later update of the same URL in the same buffer
    later = revisits.fetch_update("u/insert", source="example", status=304, at=at + dt.timedelta(hours=1))
    revisits.record_fetches(mongo_db, [revisits.fetch_update("u/insert", new=True, **kwargs), later])
    again = state("u/insert")
    assert again["fetches"] == 3 and again["not_modified"] == 1 and again["last_status"] == 304
    assert again["first_fetched"] == at and again["last_fetched"] == at + dt.timedelta(hours=1)
    assert mongo_db.fetch_state.count_documents({"url": "u/insert"}) == 1


def test_fetch_state_updates_a_refused_write_took_are_put_back(mongo_db):
    """Not only an unreachable server: a write the server refuses (here a validator on
    ``fetch_state``) leaves the updates buffered, like the batch they went with."""
    buffer = revisits.FetchStateBuffer()
    store = ArticleStore(mongo_db, batch_size=10, fetch_states=buffer)
    store.ensure_indexes()
    revisits.ensure_fetch_state_indexes(mongo_db)
    mongo_db.command("collMod", "fetch_state", validator={"status": {"$type": "string"}})
    key = "https://example.com/news/refused/"
    buffer.add(revisits.fetch_update(key, source="example", status=200, at=SEEN))
    buffer.add(revisits.fetch_update(key, source="example", status=304, at=SEEN + dt.timedelta(hours=1)))
    store.add(record(key))
    with pytest.raises(BulkWriteError):
        store.flush()
    assert len(buffer) == 2 and store.pending == 1
    assert mongo_db.fetch_state.count_documents({}) == 0
    mongo_db.command("collMod", "fetch_state", validator={})
    store.flush()
    state = mongo_db.fetch_state.find_one({"url": key})
    assert state["fetches"] == 2 and len(buffer) == 0 and store.pending == 0
