"""A small archive for the workbench tests: real article documents and events from the
real extractor, one article with a hostile title (markup that must never run)."""

from __future__ import annotations

import datetime as dt

from pipelines.events import extract_events
from pipelines.events.store import ensure_event_indexes, replace_events
from pipelines.storage import build_document, ensure_indexes

HOSTILE_TITLE = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script> عنوان'
# Sentences written for these tests (places from the gazetteer).
ARTICLES = [
    (
        "fx-a",
        "2024-03-04",
        "قصف مدفعي على بلدة في ريف إدلب",
        "قتل ثلاثة مدنيين بقصف مدفعي لقوات النظام على مدينة سراقب في ريف إدلب صباح اليوم.",
    ),
    (
        "fx-a",
        "2024-03-05",
        HOSTILE_TITLE,
        "اندلعت اشتباكات عنيفة بين فصائل المعارضة وقوات النظام في محيط مدينة دير الزور مساء أمس.",
    ),
    (
        "fx-b",
        "2024-03-12",
        "احتجاج في بغداد",
        "تظاهر مئات المحتجين في ساحة التحرير وسط بغداد اليوم للمطالبة بتحسين الخدمات.",
    ),
    (
        "fx-b",
        "2024-03-20",
        "غارة جوية على حلب",
        "قتل خمسة أشخاص في غارة جوية نفذتها طائرات حربية على حي في مدينة حلب اليوم.",
    ),
    (
        "fx-a",
        "2024-04-02",
        "انفجار عبوة ناسفة في درعا",
        "انفجرت عبوة ناسفة بسيارة عسكرية على طريق في مدينة درعا ما أدى إلى مقتل جنديين اليوم.",
    ),
]


def build_archive(db) -> list[dict]:
    """Store the articles and their events; returns the stored events."""
    ensure_indexes(db)
    ensure_event_indexes(db)
    for i, (source, day, title, text) in enumerate(ARTICLES):
        published = f"{day}T10:00:00+03:00"
        record = {
            "url": f"http://127.0.0.1:9/{source}/{i}",
            "source": source,
            "title": title,
            "text": text,
            "published": published,
            "published_utc": dt.datetime.fromisoformat(published).astimezone(dt.UTC).isoformat(),
            "timezone": "Asia/Damascus",
            "quality": 0.9,
        }
        doc = build_document(record)
        db["articles"].insert_one(doc)
        events = extract_events(text, published=published, timezone="Asia/Damascus", source=source)
        replace_events(db, db["articles"].find_one({"url": doc["url"]}), events)
    return list(db["events"].find())


def test_archive_has_events_of_several_types(mongo_db):
    events = build_archive(mongo_db)
    assert len({e["event_type"] for e in events}) >= 3
    assert any(e["article_title"] == HOSTILE_TITLE for e in events)
    assert all(e["geo"]["type"] == "Point" for e in events if e["location"].get("lat") is not None)
    assert all(isinstance(e["date_utc"], dt.datetime) for e in events)
