"""Events in MongoDB (the embedded SecantusDB server through pymongo) and their export."""
from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.events import extract_events
from pipelines.events.store import EVENTS, event_id, replace_events, reprocess
from pipelines.export import ACLED_COLUMNS, iter_events, write_events
from pipelines.storage import ArticleStore

ROOT = Path(__file__).resolve().parent.parent
SEED = (ROOT / "tests" / "gold" / "events" / "seed_mastouma.txt").read_text(encoding="utf-8")
SHORT = "قتل 5 مدنيين في غارة جوية على مدينة سراقب أمس، بحسب المرصد السوري لحقوق الإنسان."


def _record(url: str, text: str, published: str, published_utc: str) -> dict:
    return {"url": url, "final_url": url, "status": 200, "content_type": "text/html; charset=utf-8",
            "source": "example_ar", "fetched_at": "2024-01-01T00:00:00Z", "timezone": "Asia/Damascus",
            "hints": {"via": "rss"}, "raw_html": f"<html><body><p>{text}</p></body></html>".encode(),
            "encoding": "utf-8", "title": "عنوان", "text": text, "paragraphs": text.split("\n"),
            "authors": [], "language": "ar", "is_article": True, "quality": 0.9,
            "extractor_version": "test", "published": published, "published_utc": published_utc,
            "published_precision": "minute", "published_source": "meta"}


@pytest.fixture()
def db(mongo_db):
    with ArticleStore(mongo_db, journal=False) as store:
        store.add(_record("https://news.example/a/1", SEED, "2015-05-19T17:27:00+03:00", "2015-05-19T14:27:00Z"))
        store.add(_record("https://news.example/a/2", SHORT, "2019-05-10T10:00:00+03:00", "2019-05-10T07:00:00Z"))
    return mongo_db


def test_replace_events_is_idempotent(db):
    art = db["articles"].find_one({"url": "https://news.example/a/1"})
    events = extract_events(art["text"], published=art["published_local"], timezone=art["timezone"])
    assert len(events) >= 3
    assert replace_events(db, art, events) == len(events)
    first = sorted(db[EVENTS].find({"article_url": art["url"]}), key=lambda d: d["_id"])
    assert replace_events(db, art, events) == len(events)
    second = sorted(db[EVENTS].find({"article_url": art["url"]}), key=lambda d: d["_id"])
    assert first == second
    assert first[0]["_id"] == event_id(art["url"], 0) and first[0]["article_id"] == art["_id"]
    stored = db["articles"].find_one({"_id": art["_id"]})
    assert stored["event_count"] == len(events)
    assert "Battles" in stored["event_types"]
    # A newer run with fewer events leaves no stale ones behind.
    assert replace_events(db, art, events[:1]) == 1
    assert db[EVENTS].count_documents({"article_url": art["url"]}) == 1
    assert db["articles"].find_one({"_id": art["_id"]})["event_count"] == 1


def test_replace_events_for_a_crawl_record(db):
    from pipelines.events.store import replace_events_for_record
    rec = _record("https://news.example/a/2", SHORT, "2019-05-10T10:00:00+03:00", "2019-05-10T07:00:00Z")
    rec["events"] = extract_events(SHORT, published=rec["published"], timezone=rec["timezone"])
    assert replace_events_for_record(db, rec) == 1
    ev = db[EVENTS].find_one({"article_url": "https://news.example/a/2"})
    assert ev["article_id"] == db["articles"].find_one({"url": "https://news.example/a/2"})["_id"]


def test_reprocess_since_and_indexes(db):
    counts = reprocess(db, since="2019-01-01")
    assert counts == {"articles": 1, "events": 1, "errors": 0}
    ev = db[EVENTS].find_one()
    assert ev["article_url"] == "https://news.example/a/2"
    assert ev["date"] == "2019-05-09" and ev["fatalities"] == 5
    counts = reprocess(db)
    assert counts["articles"] == 2 and counts["events"] > 1
    again = reprocess(db)
    assert again == counts, "re-running replaces, it does not add"
    assert db[EVENTS].count_documents({}) == counts["events"]
    names = {ix["name"] for ix in db[EVENTS].list_indexes()}
    assert {"date", "admin1_date", "type_date", "actor1", "actor2"} <= names
    assert db[EVENTS].count_documents({"location.admin1": "Idleb"}) == counts["events"]


def test_reprocess_records_errors_and_goes_on(db):
    def broken(text, **kw):
        raise RuntimeError("boom")
    counts = reprocess(db, extractor=broken)
    assert counts == {"articles": 0, "events": 0, "errors": 2}
    assert db["articles"].count_documents({"events_error": "boom"}) == 2


def test_exports(db):
    reprocess(db)
    buf = io.StringIO()
    n = write_events(iter_events(db, since="2019-01-01", until="2019-12-31"), "acled-csv", buf)
    rows = list(csv.DictReader(io.StringIO(buf.getvalue())))
    assert n == len(rows) == 1
    assert list(rows[0].keys())[:len(ACLED_COLUMNS)] == ACLED_COLUMNS
    row = rows[0]
    assert row["event_id_cnty"].startswith("SYR")
    assert row["event_date"] == "2019-05-09" and row["year"] == "2019"
    assert row["sub_event_type"] == "Air/drone strike"
    assert row["actor2"] == "Civilians (Syria)" and row["inter2"] == "7"
    assert row["civilian_targeting"] == "Civilian targeting"
    assert row["country"] == "Syria" and row["iso"] == "760" and row["region"] == "Middle East"
    assert row["location"] == "Saraqib" and float(row["latitude"]) > 35
    assert row["fatalities"] == "5" and row["source"].endswith("Syrian Observatory for Human Rights")

    buf = io.StringIO()
    n = write_events(iter_events(db), "geojson", buf)
    fc = json.loads(buf.getvalue())
    assert fc["type"] == "FeatureCollection" and len(fc["features"]) == n > 1
    lon, lat = fc["features"][0]["geometry"]["coordinates"]
    assert 35 < lon < 43 and 32 < lat < 38

    buf = io.StringIO()
    n = write_events(iter_events(db, until="2015-12-31"), "jsonl", buf)
    lines = [json.loads(x) for x in buf.getvalue().splitlines()]
    assert len(lines) == n > 0 and all(x["date"] <= "2015-12-31" for x in lines)


def test_export_cli(db, mongo_server):
    reprocess(db)
    env = dict(os.environ, MONGO_URI=mongo_server, MONGO_DATABASE=db.name)
    proc = subprocess.run([sys.executable, "-m", "pipelines.export", "--format", "acled-csv",
                           "--since", "2019-05-01"], capture_output=True, cwd=ROOT, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr.decode()
    rows = list(csv.DictReader(io.StringIO(proc.stdout.decode("utf-8"))))
    assert len(rows) == 1 and rows[0]["location"] == "Saraqib"
    bad = subprocess.run([sys.executable, "-m", "pipelines.export", "--format", "acled-csv", "--since", "May"],
                         capture_output=True, cwd=ROOT, env=env, timeout=120)
    assert bad.returncode == 2 and b"--since" in bad.stderr


def test_reprocess_cli(db, mongo_server):
    env = dict(os.environ, MONGO_URI=mongo_server, MONGO_DATABASE=db.name)
    proc = subprocess.run([sys.executable, "-m", "pipelines.events", "--reprocess", "--since", "2019-01-01"],
                          capture_output=True, cwd=ROOT, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr.decode()
    assert json.loads(proc.stdout)["events"] == 1
    assert db[EVENTS].count_documents({}) == 1


def test_fresh_articles_get_their_events_inserted_and_a_stale_id_replaced(mongo_db):
    from pipelines.events.store import replace_events_many
    url = "https://news.example/fresh/1"
    events = extract_events(SHORT, published="2019-05-10T10:00:00+03:00")
    assert events
    # an event left under this article's first id by an earlier write, and one past the end
    mongo_db[EVENTS].insert_many([{"_id": event_id(url, 0), "article_url": url, "stale": True},
                                  {"_id": event_id(url, len(events)), "article_url": url, "stale": True}])
    mongo_db["articles"].insert_one({"url": url, "event_count": len(events), "marker": 1})
    n = replace_events_many(mongo_db, [({"url": url, "_id": None}, events)], fresh={url})
    stored = list(mongo_db[EVENTS].find({"article_url": url}).sort("_id", 1))
    assert n == len(events) == len(stored)
    assert not any(d.get("stale") for d in stored)
    assert [d["_id"] for d in stored] == [event_id(url, i) for i in range(len(events))]
    # a fresh article's summary came with its insert: it is not written again
    art = mongo_db["articles"].find_one({"url": url})
    assert "events_version" not in art and art["marker"] == 1
    # an article not named fresh gets its summary
    replace_events_many(mongo_db, [({"url": url, "_id": None}, events)])
    assert mongo_db["articles"].find_one({"url": url})["events_version"]
