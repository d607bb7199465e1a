"""No page can overwrite another site's article through its declared canonical URL.

A canonical URL is the storage key. A page of source "attacker" declaring
``<link rel=canonical>`` on the victim's host must not replace the victim's stored
article: the canonical is ignored, the fetched URL is the key, and the stored article
says so (``canonical_ignored`` in ``sanitised``). Real crawls into the real store.
"""
from __future__ import annotations

import dataclasses
import subprocess
import uuid
from pathlib import Path

import pymongo
import pytest
from crawling import crawl_env, scrapy_command
from hostile_site import HostileSite, article_html, write_registry

from crawler.sources import load_sources
from pipelines.process import process_page
from pipelines.records import Article, Page
from pipelines.storage.documents import build_document
from pipelines.warc import SourceMatcher

ROOT = Path(__file__).resolve().parent.parent
HTML = "text/html; charset=utf-8"


def _page(url: str, canonical: str) -> Page:
    head = f"<link rel='canonical' href='{canonical}'>"
    return Page(url=url, body=article_html("خبر مزور عن المدينة", head), status=200,
                content_type=HTML, source="attacker", fetched_at="2024-05-02T06:00:00Z",
                timezone="Asia/Baghdad")


def test_a_canonical_on_another_host_is_ignored_and_noted():
    article = process_page(_page("https://attacker.example/a/1.html", "https://victim.example/a/1.html"),
                           with_events=False)
    assert isinstance(article, Article)
    assert article.canonical_url is None
    assert "canonical_ignored" in article.flags
    doc = build_document(article.to_dict())
    assert doc["url"] == "https://attacker.example/a/1.html"
    assert "canonical_ignored" in doc["sanitised"]


@pytest.mark.parametrize("canonical", ["https://www.site.example/a/2.html", "/a/2.html",
                                       "https://sport.site.example/a/2.html"])
def test_a_canonical_on_the_own_site_is_kept(canonical):
    article = process_page(_page("https://site.example/a/2.html?utm_source=x", canonical),
                           with_events=False)
    assert isinstance(article, Article)
    assert article.canonical_url is not None and "canonical_ignored" not in article.flags
    assert build_document(article.to_dict())["sanitised"] == []


@pytest.fixture
def db(mongo_server):
    """A fresh database on the test server, dropped afterwards."""
    client = pymongo.MongoClient(mongo_server)
    database = client[f"canonical_{uuid.uuid4().hex[:8]}"]
    yield database
    client.drop_database(database.name)
    client.close()


def _crawl(site: HostileSite, tmp: Path, mongo_server: str, database: str, source: str,
           start_urls: list[str], **fields: object) -> subprocess.CompletedProcess:
    registry = site.registry(tmp / f"{source}.yaml", source, start_urls=start_urls, **fields)
    cmd = scrapy_command(registry, settings={
        "MONGO_URI": mongo_server, "MONGO_DATABASE": database, "MARSAD_SPOOL_DIR": tmp / "spool",
        "AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_TIMEOUT": 5, "MARSAD_PROCESS_WORKERS": 0,
        "MARSAD_EVENTS": False, "LOG_LEVEL": "INFO", "MARSAD_INCREMENTAL": False,
        "MARSAD_RUN_RECORDS": False})
    return subprocess.run(cmd, cwd=ROOT, env=crawl_env(), capture_output=True, text=True, timeout=180)


@pytest.mark.slow
def test_an_attacker_page_cannot_replace_the_victims_article(db, mongo_server, tmp_path):
    with HostileSite() as victim, HostileSite(host="127.0.0.2") as attacker:
        victim_url = victim.base + "/a/1.html"
        victim.routes["/a/1.html"] = (HTML, article_html("خبر الضحية الأصلي"))
        run = _crawl(victim, tmp_path, mongo_server, db.name, "victim", [victim_url])
        assert run.returncode == 0, run.stderr[-3000:]
        before = db.articles.find_one({"url": victim_url})
        assert before is not None and before["source"] == "victim"

        evil_head = f"<link rel='canonical' href='{victim_url}'>"
        attacker.routes["/a/evil.html"] = (HTML, article_html("خبر مزور يستبدل الضحية", evil_head))
        own = attacker.base + "/a/own.html"
        attacker.routes["/b/copy.html"] = (HTML, article_html(
            "خبر له عنوان أصلي على الموقع نفسه", f"<link rel='canonical' href='{own}'>"))
        run = _crawl(attacker, tmp_path, mongo_server, db.name, "attacker",
                     [attacker.base + "/a/evil.html", attacker.base + "/b/copy.html"])
        assert run.returncode == 0, run.stderr[-3000:]

    after = db.articles.find_one({"url": victim_url})
    assert after["source"] == "victim"
    assert after["title"] == before["title"] == "خبر الضحية الأصلي"
    assert after["text"] == before["text"]
    assert after.get("revision", 0) == before.get("revision", 0)
    evil = db.articles.find_one({"url": attacker.base + "/a/evil.html"})
    assert evil is not None and evil["source"] == "attacker"
    assert evil["canonical_url"] is None and "canonical_ignored" in evil["sanitised"]
    # a canonical on the page's own site is still the key
    copy = db.articles.find_one({"url": own})
    assert copy is not None and "canonical_ignored" not in copy["sanitised"]


def test_a_canonical_on_another_of_the_sources_hosts_is_kept():
    page = dataclasses.replace(_page("https://news.example/a/3.html", "https://archive.example/a/3.html"),
                               source_hosts=("news.example", "archive.example"))
    article = process_page(page, with_events=False)
    assert isinstance(article, Article)
    assert article.canonical_url == "https://archive.example/a/3.html"
    assert "canonical_ignored" not in article.flags
    foreign = process_page(dataclasses.replace(page, body=_page(page.url, "https://victim.example/a/3.html").body),
                           with_events=False)
    assert isinstance(foreign, Article)
    assert foreign.canonical_url is None and "canonical_ignored" in foreign.flags


def test_the_registry_gives_pages_the_sources_own_hosts(tmp_path):
    registry = write_registry(tmp_path / "r.yaml", [{
        "id": "two", "name": "Two", "base_url": "https://news.example/", "language": "ar",
        "timezone": "Asia/Baghdad", "feeds": ["https://feeds.example/rss.xml"],
        "sitemaps": ["https://archive.example/sitemap.xml"],
        "sections": [{"url": "https://m.news.example/world/", "article_pattern": "/a/"}]}])
    source = load_sources(registry)[0]
    assert source.own_hosts == ("archive.example", "feeds.example", "m.news.example", "news.example")
    # the WARC backfill's matcher hands them on with the rest of the entry
    page = SourceMatcher([source]).apply(Page(url="https://news.example/a/1.html"))
    assert page.source == "two" and page.source_hosts == source.own_hosts
    assert Page.from_mapping(page.to_dict()).source_hosts == source.own_hosts


@pytest.mark.slow
def test_a_crawled_page_may_name_its_sources_second_domain(db, mongo_server, tmp_path):
    """A source whose sitemap lives on a second domain: a page on the first naming its
    canonical URL on the second is stored under it; one naming a foreign host is not."""
    with HostileSite() as first, HostileSite(host="127.0.0.2") as second:
        kept = second.base + "/news/1.html"
        foreign = "http://127.0.0.3:9/news/2.html"
        first.routes["/a/1.html"] = (HTML, article_html(
            "خبر عنوانه على النطاق الثاني للمصدر", f"<link rel='canonical' href='{kept}'>"))
        first.routes["/a/2.html"] = (HTML, article_html(
            "خبر يزعم عنوانا على موقع غريب", f"<link rel='canonical' href='{foreign}'>"))
        urls = "".join(f"<url><loc>{first.base}/a/{i}.html</loc></url>" for i in (1, 2))
        second.routes["/sitemap.xml"] = ("application/xml", (
            "<?xml version='1.0' encoding='UTF-8'?><urlset xmlns="
            f"'http://www.sitemaps.org/schemas/sitemap/0.9'>{urls}</urlset>").encode())
        run = _crawl(first, tmp_path, mongo_server, db.name, "two-domains", [],
                     sitemaps=[second.base + "/sitemap.xml"])
        assert run.returncode == 0, run.stderr[-3000:]
        assert "/a/1.html" in first.requested and "/a/2.html" in first.requested
    on_second = db.articles.find_one({"url": kept})
    assert on_second is not None, sorted(d["url"] for d in db.articles.find({}, {"url": 1}))
    assert on_second["source"] == "two-domains" and "canonical_ignored" not in on_second["sanitised"]
    assert db.articles.find_one({"url": foreign}) is None
    own = db.articles.find_one({"url": first.base + "/a/2.html"})
    assert own is not None and own["canonical_url"] is None
    assert "canonical_ignored" in own["sanitised"]
