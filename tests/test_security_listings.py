"""Nothing loops or freezes: listing cycles, quadratic markup, hostile robots.txt.

Real crawls against hostile loopback sites (tests/hostile_site.py) into the real store:
a sitemap index cycle A -> B -> A is visited once; a section page with 300,000 attributes
on one element neither holds the crawl nor loses its links; robots.txt follows RFC 9309
(5xx or unreachable: the host is disallowed for the run; 4xx: allowed; only the first
500 KiB of a huge one are read); a listing whose parsing goes over the time bound is a
``listing_too_slow`` drop.
"""
from __future__ import annotations

import subprocess
import time
import uuid
from pathlib import Path

import pymongo
import pytest
from crawling import crawl_env, scrapy_command
from hostile_site import HostileSite, article_html, write_registry

from crawler.discovery import parse_section
from pipelines.extract.parse import MAX_ATTRIBUTES, cap_attributes, cap_attributes_bytes, parse_html
from pipelines.process import process_page
from pipelines.records import Article, Page

ROOT = Path(__file__).resolve().parent.parent
HTML = "text/html; charset=utf-8"
XML = "application/xml"


def _many_attributes(n: int, value: str = "x") -> str:
    return " ".join(f"data-a{i}={value}" for i in range(n))


def test_attributes_past_the_cap_are_cut_and_the_rest_kept():
    page = (f"<html><body><div id=keep {_many_attributes(5000, chr(34) + '>' + chr(34))}>"
            f"<a href='/a/1.html'>x</a></div><p class=p>نص</p></body></html>")
    cut, n = cap_attributes(page)
    assert n == 1
    root = parse_html(page)
    div = root.find(".//div")
    assert div.get("id") == "keep" and len(div.attrib) == MAX_ATTRIBUTES
    assert root.find(".//a").get("href") == "/a/1.html"
    assert root.find(".//p").text == "نص"
    ordinary = "<html><body><div class=a id=b data-x='1'>t</div></body></html>"
    assert cap_attributes(ordinary) == (ordinary, 0)


def test_a_section_page_with_300000_attributes_reaches_libxml2_capped():
    import re
    body = (f"<html><body><div {_many_attributes(300_000)}></div>"
            "<a href='/a/7.html'>x</a></body></html>").encode()
    capped, cut = cap_attributes_bytes(body)
    assert cut == 1 and capped.count(b"data-a") == MAX_ATTRIBUTES  # what libxml2 is given
    listing = parse_section(body, "http://n.example/news/", re.compile(r"/a/\d+"))
    assert [e.url for e in listing.articles] == ["http://n.example/a/7.html"]
    # (its cost: bench/bench_hostile_parsing.py)


def test_an_article_with_200000_attributes_is_still_an_article():
    attrs = _many_attributes(200_000)
    page = Page(url="https://s.example/a/1.html", body=article_html("خبر بسمات كثيرة").replace(
        b"<article>", f"<article {attrs}>".encode()), status=200, content_type=HTML, source="s",
        fetched_at="2024-05-02T06:00:00Z", timezone="Asia/Baghdad")
    article = process_page(page, with_events=False)
    assert isinstance(article, Article) and article.title == "خبر بسمات كثيرة"


def _run(registry: Path, mongo_server: str, database: str, tmp: Path, **settings) -> subprocess.CompletedProcess:
    base = {"MONGO_URI": mongo_server, "MONGO_DATABASE": database, "MARSAD_SPOOL_DIR": tmp / "spool",
            "AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_TIMEOUT": 2, "RETRY_TIMES": 1,
            "MARSAD_PROCESS_WORKERS": 0, "MARSAD_EVENTS": False, "LOG_LEVEL": "INFO",
            "MARSAD_INCREMENTAL": False, "MARSAD_RUN_RECORDS": False}
    base.update(settings)
    return subprocess.run(scrapy_command(registry, settings=base), cwd=ROOT, env=crawl_env(),
                          capture_output=True, text=True, timeout=240)


@pytest.fixture(scope="module")
def listing_crawl(mongo_server, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile-listings")
    sites = {name: HostileSite() for name in ("cycle", "attrs", "r503", "r404", "rslow", "rhuge")}
    for site in sites.values():
        site.__enter__()
    try:
        cycle, attrs = sites["cycle"], sites["attrs"]
        b = cycle.base
        cycle.routes["/index-a.xml"] = (XML, (
            f"<sitemapindex><sitemap><loc>{b}/index-a.xml</loc></sitemap>"
            f"<sitemap><loc>{b}/index-b.xml</loc></sitemap></sitemapindex>").encode())
        cycle.routes["/index-b.xml"] = (XML, (
            f"<sitemapindex><sitemap><loc>{b}/index-a.xml</loc></sitemap>"
            f"<sitemap><loc>{b}/index-b.xml?</loc></sitemap>"
            f"<sitemap><loc>{b}/urls.xml</loc></sitemap></sitemapindex>").encode())
        cycle.routes["/urls.xml"] = (XML, (
            f"<urlset><url><loc>{b}/a/1.html</loc></url><url><loc>{b}/a/2.html</loc></url>"
            "</urlset>").encode())
        for i in (1, 2):
            cycle.routes[f"/a/{i}.html"] = (HTML, article_html(f"خبر الدورة رقم {i}"))
        attrs.routes["/news/"] = (HTML, (
            f"<html><body><div {_many_attributes(300_000)}></div>"
            "<a href='/a/1.html'>1</a><a href='/a/2.html'>2</a></body></html>").encode())
        for i in (1, 2):
            attrs.routes[f"/a/{i}.html"] = (HTML, article_html(f"خبر الصفحة الثقيلة رقم {i}"))
        sites["r503"].routes["/robots.txt"] = ("text/plain", b"oops", {"status": 503})
        sites["rslow"].routes["/robots.txt"] = ("text/plain", b"User-agent: *\nAllow: /\n", {"delay": 5})
        filler = b"# " + b"x" * 97 + b"\n"
        huge = (b"User-agent: *\nDisallow: /private/\n" + filler * (30 * 1024 * 1024 // len(filler))
                + b"Disallow: /a/\n")
        sites["rhuge"].routes["/robots.txt"] = ("text/plain", huge)
        entries = [cycle.entry("cycle", sitemaps=[b + "/index-a.xml"]),
                   attrs.entry("attrs", sections=[{"url": attrs.base + "/news/",
                                                   "article_pattern": r"/a/\d+\.html"}])]
        for name in ("r503", "r404", "rslow", "rhuge"):
            site = sites[name]
            site.routes["/a/1.html"] = (HTML, article_html(f"خبر موقع {name}"))
            site.routes["/private/1.html"] = (HTML, article_html(f"خبر خاص {name}"))
            entries.append(site.entry(name, start_urls=[site.base + "/a/1.html",
                                                        site.base + "/private/1.html"]))
        registry = write_registry(tmp / "sources.yaml", entries)
        database = f"listings_{uuid.uuid4().hex[:8]}"
        started = time.monotonic()
        run = _run(registry, mongo_server, database, tmp)
        elapsed = time.monotonic() - started
        client = pymongo.MongoClient(mongo_server)
        yield {"run": run, "db": client[database], "sites": sites, "elapsed": elapsed}
        client.drop_database(database)
        client.close()
    finally:
        for site in sites.values():
            site.__exit__(None, None, None)


def _stored(db, site) -> set[str]:
    return {d["fetched_url"] for d in db.articles.find({"fetched_url": {"$regex": "^" + site.base}})}


@pytest.mark.slow
def test_the_crawl_ends_cleanly(listing_crawl):
    run = listing_crawl["run"]
    assert run.returncode == 0, run.stderr[-3000:]
    assert "Traceback" not in run.stderr, run.stderr[-3000:]


@pytest.mark.slow
def test_a_sitemap_index_cycle_is_visited_once(listing_crawl):
    site = listing_crawl["sites"]["cycle"]
    requested = site.requested
    assert requested.count("/index-a.xml") == 1, requested
    assert requested.count("/index-b.xml") == 1, requested
    assert "/index-b.xml?" not in requested, requested  # the same listing, canonically
    assert requested.count("/urls.xml") == 1, requested
    assert _stored(listing_crawl["db"], site) == {site.base + "/a/1.html", site.base + "/a/2.html"}
    assert "marsad/listing_repeats_skipped" in listing_crawl["run"].stderr


@pytest.mark.slow
def test_a_section_page_with_300000_attributes_still_yields_its_articles(listing_crawl):
    site = listing_crawl["sites"]["attrs"]
    assert _stored(listing_crawl["db"], site) == {site.base + "/a/1.html", site.base + "/a/2.html"}


@pytest.mark.slow
def test_robots_5xx_disallows_the_host(listing_crawl):
    site, db = listing_crawl["sites"]["r503"], listing_crawl["db"]
    assert not [p for p in site.requested if p != "/robots.txt"], site.requested
    drops = list(db.drops.find({"fetched_url": {"$regex": "^" + site.base}}))
    assert {d["fetched_url"] for d in drops} == {site.base + "/a/1.html", site.base + "/private/1.html"}
    assert all(d["reason"] == "robots" and "HTTP 503" in d["detail"] for d in drops), drops


@pytest.mark.slow
def test_robots_4xx_allows_the_host(listing_crawl):
    site = listing_crawl["sites"]["r404"]
    assert _stored(listing_crawl["db"], site) == {site.base + "/a/1.html", site.base + "/private/1.html"}


@pytest.mark.slow
def test_robots_timeout_disallows_the_host(listing_crawl):
    site, db = listing_crawl["sites"]["rslow"], listing_crawl["db"]
    assert not [p for p in site.requested if p != "/robots.txt"], site.requested
    drops = list(db.drops.find({"fetched_url": {"$regex": "^" + site.base}}))
    assert len(drops) == 2 and all(d["reason"] == "robots" and "unreachable" in d["detail"]
                                   for d in drops), drops


@pytest.mark.slow
def test_a_huge_robots_txt_is_read_to_500_kib(listing_crawl):
    site, db = listing_crawl["sites"]["rhuge"], listing_crawl["db"]
    assert "/private/1.html" not in site.requested  # the rule at the start holds
    # the rule 30 MB down is past what RFC 9309 asks a crawler to read
    assert _stored(db, site) == {site.base + "/a/1.html"}
    drop = db.drops.find_one({"fetched_url": site.base + "/private/1.html"})
    assert drop is not None and drop["reason"] == "robots"


@pytest.mark.slow
def test_a_listing_over_the_time_bound_is_a_drop(mongo_server, tmp_path):
    with HostileSite() as site:
        items = "".join(f"<item><title>t{i}</title><link>{site.base}/a/{i}.html</link></item>"
                        for i in range(40_000))
        site.routes["/feed.xml"] = ("application/rss+xml", f"<rss><channel>{items}</channel></rss>".encode())
        registry = site.registry(tmp_path / "sources.yaml", feeds=[site.base + "/feed.xml"])
        database = f"slowlisting_{uuid.uuid4().hex[:8]}"
        run = _run(registry, mongo_server, database, tmp_path, MARSAD_LISTING_PARSE_TIMEOUT=0.01)
        client = pymongo.MongoClient(mongo_server)
        try:
            assert run.returncode == 0, run.stderr[-3000:]
            drop = client[database].drops.find_one({"fetched_url": site.base + "/feed.xml"})
            assert drop is not None and drop["reason"] == "listing_too_slow", drop
            assert "MARSAD_LISTING_PARSE_TIMEOUT" in drop["detail"]
        finally:
            client.drop_database(database)
            client.close()


def test_a_listing_is_visited_once_per_source():
    from scrapy.utils.test import get_crawler

    from crawler.sources import Source
    from crawler.spiders.news import NewsSpider

    spider = NewsSpider()
    spider.crawler = get_crawler(NewsSpider)
    a, b = (Source(id=i, name=i, base_url="https://n.example/", language="ar", timezone="Asia/Baghdad")
            for i in ("a", "b"))
    assert spider._first_visit("https://N.example:443/s.xml", a)
    assert not spider._first_visit("https://n.example/s.xml#x", a)  # the same listing
    assert spider._first_visit("https://n.example/s.xml", b)  # another source may share it
    assert spider._first_visit("https://n.example/amp/s.xml", a)  # not folded like articles
