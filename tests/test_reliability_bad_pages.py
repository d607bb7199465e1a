"""Every kind of broken page, one test each, through a real `scrapy crawl`.

One crawl of the fixture sites (as users run it: a `scrapy crawl` subprocess storing
into MongoDB over the wire); then, per kind of bad page, the stored article or the
recorded drop with its reason. The hanging page answers only after far longer than the
crawl is allowed, so a crawl that waited for it would fail the time bound.
"""
from __future__ import annotations

import re
import subprocess
import time
import uuid
from pathlib import Path

import pymongo
import pytest

from crawling import crawl_env, scrapy_command
from fixturesite import FixtureServer
from pipelines.arabic import arabic_ratio
from pipelines.urls import canonical_url

pytestmark = pytest.mark.slow  # real crawls (README, "Tests")

ROOT = Path(__file__).resolve().parent.parent
DOWNLOAD_TIMEOUT = 3
RETRY_TIMES = 2
HANG_SECONDS = 150
# Time a crawl of the fixture sites needs on a busy 2-core machine, plus the worst a
# hanging page may cost: one timeout per try.
CRAWL_BOUND = 100 + DOWNLOAD_TIMEOUT * (RETRY_TIMES + 1)


@pytest.fixture(scope="module")
def crawl(mongo_server, tmp_path_factory):
    assert CRAWL_BOUND < HANG_SECONDS  # else waiting for the hang would go unnoticed
    tmp = tmp_path_factory.mktemp("badpages")
    database = f"bad_{uuid.uuid4().hex[:8]}"
    with FixtureServer(hang_seconds=HANG_SECONDS) as site:
        registry = site.write_sources(tmp / "sources.yaml")
        cmd = scrapy_command(registry, settings={
            "MONGO_URI": mongo_server, "MONGO_DATABASE": database, "MARSAD_SPOOL_DIR": tmp / "spool",
            "AUTOTHROTTLE_START_DELAY": 0, "DOWNLOAD_TIMEOUT": DOWNLOAD_TIMEOUT,
            "RETRY_TIMES": RETRY_TIMES, "MARSAD_PROCESS_WORKERS": 2, "LOG_LEVEL": "INFO"})
        started = time.monotonic()
        run = subprocess.run(cmd, cwd=ROOT, env=crawl_env(), capture_output=True, text=True,
                             timeout=HANG_SECONDS + 60)
        elapsed = time.monotonic() - started
        client = pymongo.MongoClient(mongo_server, tz_aware=True)
        try:
            yield {"run": run, "elapsed": elapsed, "db": client[database], "catalogue": site.catalogue()}
        finally:
            client.drop_database(database)
            client.close()


def _page(crawl, note: str, site: str | None = None) -> dict:
    pages = [p for p in crawl["catalogue"]
             if note in (p.get("notes") or "") and (site is None or p["site"] == site)]
    assert pages, f"the fixture site has no page noted {note!r}"
    return pages[0]


def _drop(crawl, page: dict) -> dict | None:
    urls = [page["url"], canonical_url(page["url"])]
    assert crawl["db"].articles.find_one({"url": {"$in": urls}}) is None, "a bad page was stored"
    return crawl["db"].drops.find_one({"url": {"$in": urls}})


def _article(crawl, page: dict) -> dict:
    key = canonical_url(page.get("canonical_url") or page["url"])
    doc = crawl["db"].articles.find_one({"url": key})
    assert doc is not None, f"{page['url']} was not stored ({page['notes']})"
    assert doc["title"] and " ".join(doc["title"].split()) == " ".join(page["title"].split())
    first = " ".join(page["paragraphs"][0].split())[:60]
    assert first in " ".join(doc["text"].split())
    assert arabic_ratio(doc["text"]) > 0.6
    return doc


def test_crawl_neither_crashes_nor_stalls(crawl):
    run = crawl["run"]
    assert run.returncode == 0, run.stderr[-3000:]
    assert "Traceback" not in run.stderr, run.stderr[-3000:]
    assert "'finish_reason': 'finished'" in run.stderr
    assert "spider_exceptions" not in run.stderr
    assert crawl["elapsed"] < CRAWL_BOUND, f"crawl took {crawl['elapsed']:.0f} s"


@pytest.mark.parametrize("note,site,encodings", [
    ("windows-1256 bytes; no charset", "wp", {"windows-1256", "cp1256"}),
    ("ISO-8859-6 bytes; no charset", "portal", {"iso-8859-6", "iso8859-6", "iso8859_6"}),
    ("header says ISO-8859-1", "maghreb", {"windows-1256", "cp1256"}),
], ids=["no_charset_cp1256", "no_charset_iso8859_6", "mislabelled_charset"])
def test_legacy_and_mislabelled_encodings_are_stored(crawl, note, site, encodings):
    doc = _article(crawl, _page(crawl, note, site))
    assert (doc["encoding"] or "").lower() in encodings
    assert "\ufffd" not in doc["text"] and "Ø" not in doc["text"]


def test_truncated_html_keeps_its_paragraphs(crawl):
    page = _page(crawl, "HTML cut in the middle")
    doc = _article(crawl, page)
    for paragraph in page["paragraphs"]:
        assert " ".join(paragraph.split())[:60] in " ".join(doc["text"].split())


def test_ten_megabyte_page_is_stored_without_its_script(crawl):
    doc = _article(crawl, _page(crawl, "about 10 MB"))
    assert doc["raw_size"] >= 10 * 1024 * 1024
    assert "div-gpt-ad" not in doc["text"] and len(doc["text"]) < 100_000


def test_malformed_markup_is_stored(crawl):
    _article(crawl, _page(crawl, "unclosed tags"))


def test_server_error_once_is_retried_and_stored(crawl):
    _article(crawl, _page(crawl, "answers 500 the first time"))


@pytest.mark.parametrize("note,reason", [
    ("PNG bytes served as text/html", "binary_content"),
    ("ZIP bytes served as text/html", "binary_content"),
    ("status 200 with an empty body", "empty_body"),
    ("soft 404", "soft_404"),
    ("Cloudflare-like challenge", "challenge_page"),
    ("302 to a partner URL that 302s back", "redirect_loop"),
    ("answers only after hang_seconds", "timeout"),
    ("404 (deleted article", "http_404"),
    ("video-only stub", "video_only"),
    ("Persian-language page", "wrong_language"),
    ("article template whose body is empty", "empty_body"),
    ("disallowed by robots.txt", "robots"),
], ids=["binary_png", "binary_zip", "empty_200", "soft_404", "challenge", "redirect_loop",
        "hang_timeout", "not_found", "video_only", "persian", "empty_template", "robots"])
def test_bad_page_is_a_drop_with_its_reason(crawl, note, reason):
    page = _page(crawl, note)
    drop = _drop(crawl, page)
    assert drop is not None, f"no drop recorded for {page['url']}"
    assert drop["reason"] == reason, drop
    assert drop["source"] == page["source"]
    assert drop["detail"]
    assert f"marsad/dropped/{reason}" in crawl["run"].stderr


def test_fetch_failures_are_logged_with_reason_and_url(crawl):
    for note, reason in (("answers only after hang_seconds", "timeout"),
                         ("302 to a partner URL that 302s back", "redirect_loop")):
        url = _page(crawl, note)["url"]
        assert re.search(rf"fetch failed \({reason}\): {re.escape(url)}", crawl["run"].stderr), reason
