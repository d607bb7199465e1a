"""The article store's batch hook: stories and merged events follow what is stored."""
from __future__ import annotations

import datetime as dt

from fixturesite.outlets import outlet_articles
from pipelines.archive import article_store
from pipelines.events import extract_events
from pipelines.incidents.hook import reprocess_all


def _record(a: dict, text: str | None = None, quality: float = 0.9) -> dict:
    text = text or a["text"]
    url = f"http://{a['outlet']}.fixture.test/{a['id']}/"
    published = a["published"].isoformat()
    return {"url": url, "final_url": url, "status": 200, "content_type": "text/html; charset=utf-8",
            "source": a["source"], "fetched_at": "2026-01-01T00:00:00Z", "timezone": a["timezone"],
            "raw_html": f"<html><body><p>{text}</p></body></html>".encode(), "encoding": "utf-8",
            "title": a["title"], "text": text, "paragraphs": text.split("\n"), "authors": [],
            "language": "ar",
            "is_article": True, "quality": quality, "extractor_version": "test", "published": published,
            "published_utc": a["published"].astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
            "published_precision": "minute", "published_source": "meta",
            "events": extract_events(text, published=published, timezone=a["timezone"], source=a["source"])}


def _articles(*events: str) -> list[dict]:
    return sorted((a for a in outlet_articles() if a["event"] in events), key=lambda a: a["published"])


def test_each_batch_gets_stories_and_incidents(mongo_db):
    arts = _articles("e09", "e23", "e24")
    with article_store(mongo_db, batch_size=4, journal=False) as store:
        store.ensure_indexes()
        for a in arts:
            store.add(_record(a))
    reports = mongo_db.events.count_documents({})
    assert reports and store.stats["incidents_new"] + store.stats["incidents_joined"] >= reports
    stored = {a["url"]: a for a in mongo_db.articles.find()}
    assert all(a.get("story") for a in stored.values())
    wire = stored["http://fx-wire.fixture.test/e09-wire/"]
    copies = [u for u, a in stored.items() if a["story"] == wire["story"]]
    assert len(copies) == 3 and wire["story_original"] is True
    inc = mongo_db.incidents.find_one({"article_urls": wire["url"]})
    assert inc["source_count"] >= 4 and inc["story_count"] < inc["report_count"]
    assert not mongo_db.incidents.find_one({"article_urls": {"$all": [
        "http://fx-wire.fixture.test/e23-wire/", "http://fx-sham.fixture.test/e24-sham/"]}})
    # rebuilding from the store gives the same grouping
    before = sorted(sorted(i["article_urls"]) for i in mongo_db.incidents.find())
    mongo_db.incidents.delete_many({})
    counts = reprocess_all(mongo_db)
    assert counts["articles"] == len(arts)
    assert sorted(sorted(i["article_urls"]) for i in mongo_db.incidents.find()) == before


def test_a_revised_article_moves_its_report(mongo_db):
    a = _articles("e24")[0]            # «غارة على معرة النعمان»
    b = _articles("e24")[1]
    with article_store(mongo_db, batch_size=10, journal=False) as store:
        store.add(_record(a))
        store.add(_record(b))
    url_b = f"http://{b['outlet']}.fixture.test/{b['id']}/"
    assert mongo_db.incidents.count_documents({"article_urls": url_b}) == 1
    together = mongo_db.incidents.find_one({"article_urls": url_b})
    assert len(together["article_urls"]) == 2
    # the outlet corrects its story: the strike was on another town, two days later
    corrected = ("أفاد ناشطون بمقتل خمسة مدنيين اليوم الأربعاء جراء غارة جوية لطيران النظام استهدفت مدينة "
                 "سراقب بريف إدلب الشرقي.")
    later = dict(b, published=b["published"] + dt.timedelta(days=2))
    with article_store(mongo_db, batch_size=10, journal=False) as store:
        store.add(_record(later, corrected, quality=0.95))
    url_a = f"http://{a['outlet']}.fixture.test/{a['id']}/"
    assert [i["article_urls"] for i in mongo_db.incidents.find({"article_urls": url_a})] == [[url_a]]
    moved = list(mongo_db.incidents.find({"article_urls": url_b}))
    assert [i["article_urls"] for i in moved] == [[url_b]]
    assert moved[0]["location"]["name_en"] == "Saraqib" and moved[0]["date"] == "2015-07-15"


def test_reprocess_command(mongo_server, mongo_db):
    import json
    import os
    import subprocess
    import sys

    arts = _articles("e25")
    with article_store(mongo_db, batch_size=10, journal=False) as store:
        for a in arts:
            store.add(_record(a))
    expected = sorted(sorted(i["article_urls"]) for i in mongo_db.incidents.find())
    mongo_db.incidents.delete_many({})
    mongo_db.stories.delete_many({})
    env = {**os.environ, "MONGO_URI": mongo_server, "MONGO_DATABASE": mongo_db.name}
    run = subprocess.run([sys.executable, "-m", "pipelines.incidents", "--reprocess"], env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["articles"] == len(arts)
    assert sorted(sorted(i["article_urls"]) for i in mongo_db.incidents.find()) == expected
    assert mongo_db.stories.count_documents({}) >= 1
    bad = subprocess.run([sys.executable, "-m", "pipelines.incidents", "--reprocess", "--since", "June"],
                         env=env, capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "error" in bad.stderr
