"""build_document / build_drop_document / sanitise: pure conversion, no database."""
from __future__ import annotations

import datetime as dt

import bson
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.arabic import text_hash
from pipelines.storage import build_document, build_drop_document, escape_key, unescape_key
from pipelines.storage.documents import MAX_TITLE, to_utc_datetime
from pipelines.storage.safety import sanitise

UTC = dt.timezone.utc


def record(**fields):
    base = {
        "url": "https://www.example.com/news/1?utm_source=x",
        "final_url": "https://www.example.com/news/1",
        "status": 200, "content_type": "text/html; charset=utf-8", "source": "example",
        "fetched_at": "2026-11-20T08:30:00Z", "hints": {"via": "rss", "published": None},
        "raw_html": "<html><body>مرحبا</body></html>".encode(), "encoding": "utf-8",
        "title": "عنوان الخبر", "text": "الفقرة الأولى\nالفقرة الثانية", "paragraphs": [],
        "authors": ["كاتب"], "language": "ar", "canonical_url": None, "sitename": "مثال",
        "categories": ["سياسة"], "tags": [], "image": None, "description": None,
        "is_article": True, "drop_reason": None, "quality": 0.75, "extractor_version": "t1",
        "published": "2015-05-22T14:05:00+03:00", "published_utc": "2015-05-22T11:05:00Z",
        "published_precision": "minute", "published_source": "jsonld",
        "published_raw": "2015-05-22T14:05:00+03:00", "modified": None, "modified_utc": None,
    }
    base.update(fields)
    return base


def test_key_prefers_canonical_then_final_then_requested():
    assert build_document(record())["url"] == "https://example.com/news/1"
    doc = build_document(record(canonical_url="https://example.com/news/one/"))
    assert doc["url"] == "https://example.com/news/one/"
    assert doc["fetched_url"] == "https://www.example.com/news/1?utm_source=x"
    assert build_document(record(final_url=None))["url"] == "https://example.com/news/1"


def test_dates_become_utc_datetimes_and_local_string_is_kept():
    doc = build_document(record())
    assert doc["published"] == dt.datetime(2015, 5, 22, 11, 5, tzinfo=UTC)
    assert doc["published_local"] == "2015-05-22T14:05:00+03:00"
    assert doc["published_precision"] == "minute"
    assert doc["published_source"] == "jsonld"
    assert doc["fetched_at"] == dt.datetime(2026, 11, 20, 8, 30, tzinfo=UTC)
    assert doc["modified"] is None


def test_day_precision_date_kept_as_bare_local_date():
    doc = build_document(record(published="2015-05-19", published_utc="2015-05-18T21:00:00Z",
                                published_precision="day"))
    assert doc["published_local"] == "2015-05-19"
    assert doc["published"] == dt.datetime(2015, 5, 18, 21, 0, tzinfo=UTC)


def test_unreadable_dates_become_none_not_errors():
    doc = build_document(record(published_utc="yesterday", fetched_at=12345, modified_utc="2015-13-45"))
    assert doc["published"] is None and doc["fetched_at"] is None and doc["modified"] is None


def test_to_utc_datetime_offsets_and_milliseconds():
    assert to_utc_datetime("2015-05-22T14:05:00.123456+03:00") == dt.datetime(2015, 5, 22, 11, 5, 0, 123000, tzinfo=UTC)
    assert to_utc_datetime("2015-05-22T11:05:00") == dt.datetime(2015, 5, 22, 11, 5, tzinfo=UTC)


def test_text_hash_and_lengths():
    doc = build_document(record())
    assert doc["text_hash"] == text_hash("الفقرة الأولى\nالفقرة الثانية")
    assert doc["text_length"] == len("الفقرة الأولى\nالفقرة الثانية")
    assert doc["paragraph_count"] == 2
    assert build_document(record(text="  "))["text_hash"] is None


def test_text_from_paragraphs_when_text_missing():
    doc = build_document(record(text=None, paragraphs=["أ", "ب"]))
    assert doc["text"] == "أ\nب"


def test_raw_reference_and_events_summary():
    events = [{"type": "airstrike"}, {"type": "airstrike"}, {"type": "protest"}, "junk"]
    doc = build_document(record(events=events))
    assert len(doc["raw_sha256"]) == 64 and doc["raw_size"] == len(record()["raw_html"])
    assert doc["event_count"] == 4
    assert doc["event_types"] == ["airstrike", "protest"]
    assert build_document(record(raw_html=None))["raw_sha256"] is None


def test_absurd_title_capped_with_flag():
    doc = build_document(record(title="خبر " * 5000))
    assert len(doc["title"]) == MAX_TITLE
    assert "title_truncated" in doc["sanitised"]
    assert build_document(record())["sanitised"] == []


def test_control_characters_stripped_and_flagged():
    doc = build_document(record(title="عنوان\x00\x07 الخبر\n", text="نص\x0b الخبر\nسطر\x1b"))
    assert doc["title"] == "عنوان الخبر"
    assert doc["text"] == "نص الخبر\nسطر"
    assert "control_chars_stripped" in doc["sanitised"]


def test_hostile_metadata_keys_escaped_reversibly():
    hints = {"$where": "1", "a.b": {"$ne": None, "x%y": 1}, "via": "$title"}
    doc = build_document(record(hints=hints))
    assert doc["hints"] == {"%24where": "1", "a%2Eb": {"%24ne": None, "x%25y": 1}, "via": "$title"}
    assert "keys_escaped" in doc["sanitised"]
    for key in ["$where", "a.b", "x%y", "%24", "plain"]:
        assert unescape_key(escape_key(key)) == key


def test_odd_field_types_do_not_raise():
    doc = build_document(record(status="200", quality="high", authors="واحد", tags=None,
                                categories=[1, None, "سياسة"], title=12, hints=["not", "a", "dict"]))
    assert doc["status"] is None and doc["quality"] == 0.0
    assert doc["authors"] == ["واحد"] and doc["tags"] == []
    assert doc["categories"] == ["1", "سياسة"]
    assert doc["title"] == "12" and doc["hints"] is None


def test_drop_document():
    drop = build_drop_document({"url": "https://www.example.com/tag/x/", "source": "example",
                                "reason": "not_article", "detail": {"$bad": 1}, "status": 200,
                                "fetched_at": "2026-11-20T08:30:00Z"})
    assert drop["url"] == "https://example.com/tag/x/"
    assert drop["reason"] == "not_article" and drop["detail"] == {"%24bad": 1}
    assert drop["fetched_at"] == dt.datetime(2026, 11, 20, 8, 30, tzinfo=UTC)
    assert build_drop_document({})["reason"] == "unknown"


json_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text() | st.binary(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(json_like)
def test_sanitised_values_always_encode_as_bson(value):
    flags: set[str] = set()
    bson.encode({"v": sanitise(value, flags)})


@settings(max_examples=150, deadline=None)
@given(title=st.text(), text=st.text(), hints=st.dictionaries(st.text(max_size=10), json_like, max_size=4))
def test_built_documents_always_encode_as_bson(title, text, hints):
    bson.encode(build_document(record(title=title, text=text, hints=hints)))
