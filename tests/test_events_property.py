"""The extractor never raises, and its offsets always point into the input."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.events import extract_events

WORDS = ["قصف", "قوات", "النظام", "مدينة", "إدلب", "قتل", "١٢", "مدنيين", "أمس", "،", ".", "\n",
         "اشتباكات", "بين", "و", "جيش", "الفتح", "قرب", "بلدة", "سراقب", "كانت", "قد", "غارة", "عشرات",
         "بحسب", "المرصد", "نفت", "ال", "ـ", "\u200f", "«", "»", "-", "x"]

arabicish = st.lists(st.sampled_from(WORDS), max_size=60).map(" ".join)
anything = st.text(max_size=300)
published = st.one_of(st.none(), st.just("2020-01-01T10:00:00+03:00"), st.text(max_size=30))
zones = st.one_of(st.none(), st.just("Asia/Damascus"), st.text(max_size=20))


@settings(max_examples=150, deadline=None)
@given(text=st.one_of(arabicish, anything), pub=published, tz=zones)
def test_never_raises_and_offsets_hold(text, pub, tz):
    events = extract_events(text, published=pub, timezone=tz)
    assert isinstance(events, list)
    for ev in events:
        s, e = ev["evidence"]["start"], ev["evidence"]["end"]
        assert 0 <= s <= e <= len(text)
        assert text[s:e] == ev["evidence"]["text"]
        assert isinstance(ev["fatalities"], int) and ev["fatalities"] >= 0


def test_non_string_input_gives_empty():
    assert extract_events(None) == []          # type: ignore[arg-type]
    assert extract_events(b"\xff") == []       # type: ignore[arg-type]
