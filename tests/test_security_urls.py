"""Only http(s) URLs with a host are fetched, and a bad link never costs a listing.

A hostile loopback site lists `file:`, `ftp:`, `data:`, `mailto:`, `javascript:` links,
template-placeholder hosts and over-long URLs beside healthy articles, in an Atom feed,
an RSS feed, a sitemap index and a section page; a real crawl stores the healthy
articles and records every bad entry as a drop with its reason.
"""
from __future__ import annotations

import asyncio
import re
import subprocess
import uuid
from pathlib import Path

import pymongo
import pytest
from crawling import crawl_env, scrapy_command
from hostile_site import HostileSite, article_html
from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.test import get_crawler

from crawler import settings as marsad_settings
from crawler.discovery import parse_feed, parse_section, parse_sitemap, url_problem
from crawler.middlewares import RefusePrivateAddresses
from pipelines.records import DropReason

ROOT = Path(__file__).resolve().parent.parent
LONG = "http://127.0.0.1:1/a/" + "x" * 2100
BAD_LINKS = ["file:///etc/passwd", "ftp://127.0.0.1/x", "data:text/html,<p>x</p>", "mailto:a@b.c",
             "tel:+9641234", "javascript:alert(1)", "http://[link]/a/1", "http:///a/2", LONG]


@pytest.mark.parametrize("url", BAD_LINKS)
def test_bad_urls_have_a_reason(url):
    problem = url_problem(url)
    assert problem is not None
    assert problem[0] in {DropReason.UNSUPPORTED_SCHEME, DropReason.BAD_URL}


def test_listings_keep_good_entries_and_reject_bad_ones():
    items = "".join(f"<item><link>{u.replace('&', '&amp;').replace('<', '&lt;')}</link></item>"
                    for u in BAD_LINKS)
    feed = f"<rss><channel>{items}<item><link>https://n.example/a/ok</link></item></channel></rss>"
    listing = parse_feed(feed.encode(), "https://n.example/feed")
    assert [e.url for e in listing.articles] == ["https://n.example/a/ok"]
    assert len(listing.rejected) == len(BAD_LINKS)
    index = "".join(f"<sitemap><loc>{u}</loc></sitemap>" for u in ("file:///etc/passwd", "/ok.xml"))
    listing = parse_sitemap(f"<sitemapindex>{index}</sitemapindex>".encode(), "https://n.example/s.xml")
    assert listing.sitemaps == ["https://n.example/ok.xml"]
    assert listing.rejected[0].reason is DropReason.UNSUPPORTED_SCHEME
    links = "".join(f"<a href='{u}'>x</a>" for u in ("http://[link]/a/3", "/a/4", "mailto:x@y.z"))
    listing = parse_section(f"<html><body>{links}</body></html>".encode(), "https://n.example/s",
                            re.compile(r"/a/\d"))
    assert [e.url for e in listing.articles] == ["https://n.example/a/4"]
    assert [r.reason for r in listing.rejected] == [DropReason.BAD_URL]


def test_scrapy_handlers_for_other_schemes_are_off():
    for scheme in ("file", "data", "ftp", "s3"):
        assert marsad_settings.DOWNLOAD_HANDLERS[scheme] is None


@pytest.mark.parametrize("url", ["file:///etc/passwd", "data:text/plain,x", "ftp://10.0.0.1/x"])
def test_downloader_refuses_other_schemes(url):
    crawler = get_crawler(settings_dict={})
    crawler.spider = None
    middleware = RefusePrivateAddresses(crawler)
    with pytest.raises(IgnoreRequest, match="refused URL scheme"):
        asyncio.run(middleware.process_request(Request(url)))


@pytest.fixture(scope="module")
def hostile_crawl(mongo_server, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile-urls")
    with HostileSite() as site:
        b = site.base
        good = [f"/a/{i}.html" for i in range(1, 5)]
        for i, path in enumerate(good, 1):
            site.routes[path] = ("text/html; charset=utf-8", article_html(f"خبر سليم رقم {i}"))
        atom_entries = "".join(f"<entry><title>t</title><link href='{u}'/></entry>"
                               for u in ("file:///etc/passwd", "mailto:x@y.z", "http://[link]/a/9.html",
                                         LONG, b + good[0], b + good[1]))
        site.routes["/atom.xml"] = ("application/atom+xml",
                                    f"<feed xmlns='http://www.w3.org/2005/Atom'>{atom_entries}</feed>".encode())
        rss = "".join(f"<item><link>{u}</link></item>"
                      for u in ("javascript:void(0)", "tel:123", b + good[2]))
        site.routes["/rss.xml"] = ("application/rss+xml", f"<rss><channel>{rss}</channel></rss>".encode())
        site.routes["/index.xml"] = ("application/xml", (
            "<sitemapindex><sitemap><loc>file:///etc/passwd</loc></sitemap>"
            "<sitemap><loc>http://[link]/s.xml</loc></sitemap>"
            f"<sitemap><loc>{b}/child.xml</loc></sitemap></sitemapindex>").encode())
        site.routes["/child.xml"] = ("application/xml", (
            "<urlset><url><loc>file:///etc/hostname</loc></url>"
            f"<url><loc>{b}{good[3]}</loc></url></urlset>").encode())
        registry = site.registry(tmp / "sources.yaml", feeds=[b + "/atom.xml", b + "/rss.xml"],
                                 sitemaps=[b + "/index.xml"])
        database = f"urls_{uuid.uuid4().hex[:8]}"
        cmd = scrapy_command(registry, settings={
            "MONGO_URI": mongo_server, "MONGO_DATABASE": database, "MARSAD_SPOOL_DIR": tmp / "spool",
            "AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_TIMEOUT": 5, "MARSAD_PROCESS_WORKERS": 0,
            "MARSAD_EVENTS": False, "LOG_LEVEL": "INFO", "MARSAD_INCREMENTAL": False})
        run = subprocess.run(cmd, cwd=ROOT, env=crawl_env(), capture_output=True, text=True, timeout=180)
        client = pymongo.MongoClient(mongo_server)
        yield {"run": run, "db": client[database], "base": b, "good": good, "requested": list(site.requested)}
        client.drop_database(database)
        client.close()


@pytest.mark.slow
def test_every_healthy_article_is_stored_despite_bad_links(hostile_crawl):
    run, db = hostile_crawl["run"], hostile_crawl["db"]
    assert run.returncode == 0, run.stderr[-3000:]
    assert "Traceback" not in run.stderr, run.stderr[-3000:]
    urls = {d["url"] for d in db.articles.find({}, {"url": 1})}
    assert urls == {hostile_crawl["base"] + p for p in hostile_crawl["good"]}


@pytest.mark.slow
def test_no_local_file_is_ever_read_or_stored(hostile_crawl):
    db = hostile_crawl["db"]
    assert db.articles.count_documents({"url": {"$regex": "^file:"}}) == 0
    assert db.articles.count_documents({"text": {"$regex": "root:"}}) == 0
    for collection in db.list_collection_names():
        assert db[collection].count_documents({"text": {"$regex": "root:x:0:0"}}) == 0


@pytest.mark.slow
def test_each_bad_entry_is_a_drop_with_its_reason(hostile_crawl):
    drops = {d["fetched_url"]: d["reason"] for d in hostile_crawl["db"].drops.find({})}
    for url in ("file:///etc/passwd", "file:///etc/hostname", "mailto:x@y.z", "javascript:void(0)"):
        assert drops.get(url) == "unsupported_scheme", (url, drops)
    assert drops.get("http://[link]/a/9.html") == "bad_url", drops
    assert drops.get("http://[link]/s.xml") == "bad_url", drops
    assert any(reason == "bad_url" and url.startswith(LONG[:60]) for url, reason in drops.items()), drops
