"""fixturesite.selfcheck.check: the comparison used to score the pipeline on the fixture."""
from __future__ import annotations

from fixturesite.selfcheck import check
from pipelines.arabic import fold_text
from pipelines.records import Article, Drop, DropReason

ENTRY = {"expect": "stored", "paragraphs": ["الفقرة الأولى من الخبر", "والفقرة الثانية"],
         "must_not_contain": ["أترك تعليقا"], "published": "2015-05-22T19:05:00+03:00"}


def article(text: str, published: str | None) -> Article:
    return Article(url="https://example.com/a", text=text, published_local=published, published_source="meta")


def test_matching_article_passes():
    res = article("الفقرة الأولى من الخبر\nوالفقرة الثانية", "2015-05-22T19:05:00+03:00")
    assert check(ENTRY, res, fold_text) == []


def test_each_kind_of_mismatch_is_reported():
    res = article("الفقرة الأولى من الخبر\nأترك تعليقا", "2015-05-23")
    problems = " | ".join(check(ENTRY, res, fold_text))
    assert "missing" in problems and "leaked" in problems and "published" in problems


def test_drop_reasons_compared():
    drop = Drop(url="https://example.com/a", reason=DropReason.TOO_SHORT)
    assert check({**ENTRY, "expect": "dropped:too_short"}, drop, fold_text) == []
    assert check({**ENTRY, "expect": "dropped:empty_body"}, drop, fold_text)
    assert check(ENTRY, drop, fold_text)
    assert check({**ENTRY, "expect": "dropped:not_article"}, article("x", None), fold_text)
