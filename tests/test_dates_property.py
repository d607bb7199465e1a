"""Property: the normaliser never raises and never returns a year outside 1900-2100."""
from __future__ import annotations

import re

from hypothesis import given, settings, strategies as st

from pipelines.dates import find_publication_date, normalise_date

# Arbitrary Unicode, plus text built from date-like pieces so the parser's deeper
# branches are reached, not only its early "no date" exit.
PIECES = ["12", "٣١", "۲۰", "2099", "1899", "2101", "0", "99", "/", "-", ".", ":", " ", "،",
          "مارس", "آذار", "كانون 2", "أفريل", "رمضان", "هـ", "م", "ص", "مساء", "منذ", "قبل",
          "بعد", "ساعات", "أيام", "عام", "الماضي", "القادم", "الجمعة", "أمس", "اليوم",
          "بتوقيت", "دمشق", "GMT+", "\u200f", "ـ", "الساعة", "ألفين", "الحادي والعشرين", "من", "إلى"]
date_like = st.lists(st.sampled_from(PIECES), max_size=12).map("".join)
references = st.one_of(st.none(), st.just("2016-02-29T23:59:00+14:00"), st.just("1900-01-01T00:00:00-12:00"),
                       st.just("2100-12-31T23:59:00+00:00"), st.text(max_size=20))
zones = st.one_of(st.none(), st.sampled_from(["Asia/Riyadh", "Pacific/Kiritimati", "UTC", "bogus/zone"]))


def _check(got: dict | None) -> None:
    if got is None:
        return
    assert set(got) >= {"date", "datetime", "utc", "precision"}
    assert 1900 <= int(got["date"][:4]) <= 2100
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", got["date"])
    assert got["precision"] in ("minute", "hour", "day", "month", "year")
    if got["datetime"] is not None:
        assert got["datetime"][:10] == got["date"]


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=80), date_like), references, zones)
def test_normaliser_never_raises(text: str, ref, tz) -> None:
    _check(normalise_date(text, reference=ref, timezone=tz))


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200))
def test_chooser_never_raises(html: str) -> None:
    got = find_publication_date(f"<html><body><h1>x</h1><p>{html}</p></body></html>")
    assert "published" in got
