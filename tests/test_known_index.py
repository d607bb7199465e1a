"""The incremental look-ups' index in memory (pipelines/storage/known_index.py) answers
as the store does, through every write that changes what it holds."""
from __future__ import annotations

import datetime as dt

from test_storage_writes import SEEN, record

from pipelines.storage import ArticleStore, revisits
from pipelines.storage.known_index import KnownIndex

ALIAS = "https://news.example/?p=7"


def _aware(info: dict) -> dict:
    return {k: v.replace(tzinfo=dt.UTC) if isinstance(v, dt.datetime) and v.tzinfo is None else v
            for k, v in info.items()}


def _same(db, index: KnownIndex, keys: list[str]) -> dict:
    from_store = {k: _aware(v) for k, v in revisits.lookup_known(db, keys).items()}
    from_memory = {k: _aware(v) for k, v in revisits.lookup_known(db, keys, index).items()}
    assert from_memory == from_store
    fresh = KnownIndex()                         # and a fresh read agrees with both
    assert {k: _aware(v) for k, v in revisits.lookup_known(db, keys, fresh).items()} == from_store
    return from_store


def test_the_index_follows_articles_fetch_states_and_not_modified(mongo_db):
    index, buffer = KnownIndex(), revisits.FetchStateBuffer()
    store = ArticleStore(mongo_db, batch_size=100, fetch_states=buffer, known=index)
    store.ensure_indexes()
    revisits.ensure_fetch_state_indexes(mongo_db)
    urls = [f"https://news.example/a/{i}/" for i in range(4)]
    keys = [*urls, ALIAS, "https://news.example/nowhere/"]
    store.add(record(urls[0]))
    store.flush()
    assert _same(mongo_db, index, keys).keys() == {urls[0]} and index.loaded
    # new articles (one fetched under an alias), their fetch states inserted
    for i, url in enumerate(urls[1:], 1):
        buffer.add(revisits.fetch_update(url, source="example", status=200, at=SEEN, etag=f'"{i}"', new=True))
        store.add(record(ALIAS if i == 1 else url, final_url=url, canonical_url=url,
                         fetched_at=f"2026-11-2{i}T08:00:00Z"))
    store.flush()
    assert len(_same(mongo_db, index, keys)) == 5
    # the first one re-fetched later (merged on the server), one state believed new
    # that exists after all, and a 304
    later = SEEN + dt.timedelta(days=3)
    buffer.add(revisits.fetch_update(urls[1], source="example", status=200, at=later, etag='"n"', new=True))
    buffer.add(revisits.fetch_update(urls[0], source="example", status=200, at=later, etag='"0"'))
    store.add(record(urls[0], fetched_at="2026-11-25T08:00:00Z", quality=0.9,
                     published_utc="2015-05-23T11:05:00Z"))
    store.flush()
    got = _same(mongo_db, index, keys)
    assert got[urls[1]]["etag"] == '"n"' and got[urls[0]]["etag"] == '"0"'
    revisits.record_fetches(mongo_db, [revisits.fetch_update(urls[2], source="example", status=304,
                                                             at=later)], index)
    revisits.mark_not_modified(mongo_db, [urls[2]], later, index)
    got = _same(mongo_db, index, keys)
    assert _aware(got[urls[2]])["last_seen"] == later


def test_a_failed_flush_drops_the_index(mongo_db):
    index = KnownIndex()
    store = ArticleStore(mongo_db, batch_size=100, known=index)
    store.ensure_indexes()
    index.load(mongo_db)
    mongo_db.client.admin.command("configureFailPoint", "failCommand", mode={"times": 1},
                                  data={"failCommands": ["insert"], "errorCode": 2})
    store.add(record("https://news.example/x/"))
    try:
        store.flush()
    except Exception:  # noqa: BLE001 - any failure will do
        pass
    assert not index.loaded
