"""The processing pool sends an article back without its raw HTML; the parent, which
holds the page, puts it back, so the store still keeps the raw page."""
from __future__ import annotations

import asyncio
import pickle
from pathlib import Path

import pytest
from scrapy.utils.test import get_crawler

from crawler.item_pipelines import ProcessPagePipeline, budgeted_process_page
from pipelines.records import Article, Page

PAGES = Path(__file__).resolve().parent / "pages"


def _page() -> Page:
    body = (PAGES / "jsonld_body.html").read_bytes()
    return Page(url="https://example.com/news/1/", body=body, status=200,
                content_type="text/html; charset=utf-8", source="example",
                fetched_at="2026-11-20T08:00:00Z", timezone="Asia/Damascus")


def test_the_worker_answer_leaves_the_raw_html_out():
    page = _page()
    result, cpu_ms = budgeted_process_page(page, False, 0)
    assert isinstance(result, Article) and result.text and cpu_ms >= 0
    assert result.raw_html == b""
    assert page.body[:120] in pickle.dumps(page) and page.body[:120] not in pickle.dumps(result)


@pytest.mark.slow
def test_articles_from_the_pool_carry_the_page_they_came_from():
    page = _page()
    pipeline = ProcessPagePipeline(get_crawler(), workers=1, with_events=False)
    pipeline.open_spider()
    try:
        result = asyncio.run(pipeline.process_item(page))
    finally:
        pipeline.close_spider()
    assert isinstance(result, Article) and result.text
    assert result.raw_html == page.body
