"""Extraction quality on the real pages in ../shared/evaldata (skipped when absent).

Nothing from the evaluation data is stored in the repository: pages and gold
snippets are read at run time.
"""
from __future__ import annotations

import pytest

from pipelines.extract import decode_html, extract_article, parse_html
from pipelines.extract.evaluate import DEFAULT_EVALDATA, Score, load_gold

pytestmark = pytest.mark.skipif(not (DEFAULT_EVALDATA / "gold" / "pages_gold.json").exists(),
                                reason="../shared/evaldata is absent")


def _extract(path):
    html, _ = decode_html(path.read_bytes())
    return extract_article(parse_html(html))


def test_snippets_no_leaks_and_f1():
    score = Score()
    for gold in load_gold(DEFAULT_EVALDATA):
        result = _extract(DEFAULT_EVALDATA / gold["file"])
        assert result["is_article"], (gold["file"], result["drop_reason"])
        assert result["language"] == "ar"
        score.add(gold, result["text"], result["title"])
    assert score.leaks == []
    assert score.f1 >= 0.97, (score.f1, score.misses)
    assert score.titles_right == score.pages, score.wrong_titles


def test_persian_pages_are_not_taken_for_arabic():
    pages = sorted((DEFAULT_EVALDATA / "html" / "fa").glob("*.html"))
    assert pages
    for path in pages:
        result = _extract(path)
        assert result["language"] == "fa", path.name
        assert result["drop_reason"] == "wrong_language"
