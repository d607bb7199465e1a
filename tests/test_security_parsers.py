"""Parsers never lose a whole page to one field.

JSON-LD nested ~1,000 deep is ignored, not an ``unparsable`` drop; a 1 MB title is cut
and flagged, not stored as null; ``&nbsp;`` (declared or not) in feeds and sitemaps cuts
no title and corrupts no ``<loc>``; a billion-laughs feed is an ``entity_expansion`` drop
and the rest of it is read; sitemaps are read up to the protocol's 50 MB uncompressed.
Unit checks on the stages, then one real crawl of a hostile loopback site into the store.
"""
from __future__ import annotations

import gzip
import subprocess
import uuid
from pathlib import Path

import pymongo
import pytest
from crawling import crawl_env, scrapy_command
from hostile_site import HostileSite, article_html

from crawler.discovery import MAX_LISTING_ENTRIES, MAX_SITEMAP_BYTES, parse_feed, parse_sitemap
from pipelines.extract.title import MAX_TITLE
from pipelines.process import process_page
from pipelines.records import Article, DropReason, Page
from pipelines.storage.documents import build_document

ROOT = Path(__file__).resolve().parent.parent
HTML = "text/html; charset=utf-8"
DEEP_LIST = "[" * 1000 + "]" * 1000
DEEP_NAME = '{"@type":"NewsArticle","headline":' + '{"name":' * 950 + '"x"' + "}" * 950 + "}"
BIG_TITLE = "عنوان طويل جدا " * 70_000  # ~1 MB
NBSP_DTD = '<?xml version="1.0"?><!DOCTYPE {root} [<!ENTITY nbsp "&#160;">]>'


def _laughs(root: str) -> str:
    decls = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    return f'<?xml version="1.0"?><!DOCTYPE {root} [<!ENTITY lol0 "lol">{decls}]>'


def _page(body: bytes, url: str = "https://s.example/a/1.html") -> Page:
    return Page(url=url, body=body, status=200, content_type=HTML, source="s",
                fetched_at="2024-05-02T06:00:00Z", timezone="Asia/Baghdad")


@pytest.mark.parametrize("block", [DEEP_LIST, DEEP_NAME])
def test_deeply_nested_jsonld_is_ignored_not_fatal(block):
    head = f"<script type='application/ld+json'>{block}</script>"
    article = process_page(_page(article_html("خبر بكتلة عميقة", head)), with_events=False)
    assert isinstance(article, Article), article
    assert article.title == "خبر بكتلة عميقة"
    assert article.published_utc == "2024-05-02T05:00:00Z"  # the dates stage still read the page


def test_a_one_megabyte_title_is_cut_and_flagged():
    body = article_html("x").replace(b"<title>x</title>", f"<title>{BIG_TITLE}</title>".encode())
    body = body.replace(b"<h1>x</h1>", b"")
    article = process_page(_page(body), with_events=False)
    assert isinstance(article, Article), article
    assert article.title and article.title.startswith("عنوان طويل جدا") and len(article.title) <= MAX_TITLE
    assert "title_truncated" in article.flags
    assert "title_truncated" in build_document(article.to_dict())["sanitised"]


@pytest.mark.parametrize("declared", [True, False])
def test_nbsp_cuts_no_feed_title_and_no_loc(declared):
    rss_head = NBSP_DTD.format(root="rss") if declared else ""
    feed = (f"{rss_head}<rss><channel><item><title>أمطار&nbsp;غزيرة في المدينة</title>"
            "<link>https://s.example/a/1.html&nbsp;</link></item>"
            "<item><title><![CDATA[كما&nbsp;هو]]></title><link>https://s.example/a/2.html</link></item>"
            "</channel></rss>").encode()
    listing = parse_feed(feed, "https://s.example/feed")
    assert [(e.url, e.title) for e in listing.articles] == [
        ("https://s.example/a/1.html", "أمطار\xa0غزيرة في المدينة"),
        ("https://s.example/a/2.html", "كما&nbsp;هو")]  # CDATA is text as written
    assert listing.failure is None
    atom = (f"{NBSP_DTD.format(root='feed') if declared else ''}"
            "<feed xmlns='http://www.w3.org/2005/Atom'><entry><title>عنوان&nbsp;كامل&hellip;</title>"
            "<link href='https://s.example/a/3.html?x=1&amp;y=2'/></entry></feed>").encode()
    entry = parse_feed(atom, "https://s.example/atom").articles[0]
    assert entry.title == "عنوان\xa0كامل…" and entry.url == "https://s.example/a/3.html?x=1&y=2"
    sitemap = (f"{NBSP_DTD.format(root='urlset') if declared else ''}<urlset>"
               "<url><loc>&nbsp;https://s.example/a/4.html&nbsp;</loc></url>"
               "<url><loc>https://s.example/a/5.html?p=1&amp;q=2</loc></url></urlset>").encode()
    assert [e.url for e in parse_sitemap(sitemap, "https://s.example/s.xml").articles] == [
        "https://s.example/a/4.html", "https://s.example/a/5.html?p=1&q=2"]


@pytest.mark.parametrize("before", ["", "<!--" + "x" * 10_000 + "-->"])
def test_billion_laughs_is_recorded_and_the_rest_read(before):
    laughs = _laughs("rss").replace("?>", "?>" + before, 1)
    feed = (laughs + "<rss><channel><item><title>&lol9;</title><link>https://s.example/a/1.html</link>"
            "</item><item><title>خبر سليم</title><link>https://s.example/a/2.html</link></item>"
            "</channel></rss>").encode()
    listing = parse_feed(feed, "https://s.example/feed")
    assert [e.url for e in listing.articles] == ["https://s.example/a/1.html", "https://s.example/a/2.html"]
    assert listing.articles[1].title == "خبر سليم"
    assert listing.failure is not None and listing.failure[0] is DropReason.ENTITY_EXPANSION
    external = (b'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                b"<urlset><url><loc>https://s.example/a/&x;6.html</loc></url></urlset>")
    listing = parse_sitemap(external, "https://s.example/s.xml")
    assert [e.url for e in listing.articles] == ["https://s.example/a/6.html"]
    assert listing.failure is not None and listing.failure[0] is DropReason.ENTITY_EXPANSION


@pytest.mark.parametrize("dtd", ["<!DOCTYPE rss [" + "<!ENTITY a " * 80_000 + "]>",
                                 "<!DOCTYPE rss [" + '<!ENTITY a "' * 80_000 + "]>",
                                 "<!DOCTYPE rss [" * 80_000])
def test_an_oversized_or_broken_dtd_is_not_read(dtd):
    feed = ('<?xml version="1.0"?>' + dtd + "<rss><channel><item><title>خبر</title>"
            "<link>https://s.example/a/1.html</link></item></channel></rss>").encode()
    listing = parse_feed(feed, "https://s.example/feed")
    assert [e.url for e in listing.articles] == ["https://s.example/a/1.html"]
    assert listing.failure is not None and listing.failure[0] is DropReason.ENTITY_EXPANSION


def test_a_sitemap_is_read_to_the_protocols_50000_urls():
    urls = "".join(f"<url><loc>https://s.example/a/{i}.html</loc></url>" for i in range(MAX_LISTING_ENTRIES + 5))
    listing = parse_sitemap(f"<urlset>{urls}</urlset>".encode(), "https://s.example/s.xml")
    assert len(listing.articles) == MAX_LISTING_ENTRIES
    assert listing.failure is not None and listing.failure[0] is DropReason.TOO_LARGE
    assert parse_sitemap(f"<urlset>{urls[:1000]}</urlset>".encode(), "https://s.example/s.xml").failure is None


def _big_sitemap(base: str, size: int, last: str) -> bytes:
    filler = ("<url><news:news><news:title>" + "حشو " * 200 + "</news:title></news:news></url>").encode()
    head = b"<urlset xmlns:news='http://www.google.com/schemas/sitemap-news/0.9'>"
    tail = f"<url><loc>{base}{last}</loc></url></urlset>".encode()
    count = (size - len(head) - len(tail)) // len(filler)
    return head + filler * count + tail


@pytest.fixture(scope="module")
def parser_crawl(mongo_server, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile-parsers")
    with HostileSite() as site:
        b = site.base
        r = site.routes
        r["/feed.xml"] = ("application/rss+xml", (
            NBSP_DTD.format(root="rss") + "<rss><channel>"
            f"<item><title>أمطار&nbsp;غزيرة</title><link>{b}/a/1.html&nbsp;</link></item>"
            "</channel></rss>").encode())
        r["/lol.xml"] = ("application/rss+xml", (
            _laughs("rss") + f"<rss><channel><item><title>&lol9;</title><link>{b}/a/2.html</link></item>"
            f"<item><title>t</title><link>{b}/a/3.html</link></item></channel></rss>").encode())
        r["/big.xml"] = ("application/xml", _big_sitemap(b, MAX_SITEMAP_BYTES - 1000, "/a/4.html"))
        r["/big.xml.gz"] = ("application/octet-stream",
                            gzip.compress(_big_sitemap(b, MAX_SITEMAP_BYTES - 1000, "/a/5.html"), 1))
        r["/encoded.xml"] = ("application/xml",
                             gzip.compress(_big_sitemap(b, MAX_SITEMAP_BYTES - 1000, "/a/7.html"), 1),
                             {"headers": {"Content-Encoding": "gzip"}})
        r["/huge.xml.gz"] = ("application/octet-stream",
                             gzip.compress(_big_sitemap(b, MAX_SITEMAP_BYTES + 1000, "/a/6.html"), 1))
        r["/a/1.html"] = (HTML, article_html("خبر الأمطار الغزيرة"))
        r["/a/2.html"] = (HTML, article_html("خبر من خلاصة مريبة"))
        r["/a/3.html"] = (HTML, article_html("خبر ثالث من الخلاصة"))
        r["/a/4.html"] = (HTML, article_html("خبر آخر خريطة كبيرة"))
        r["/a/5.html"] = (HTML, article_html("خبر آخر خريطة مضغوطة"))
        r["/a/6.html"] = (HTML, article_html("خبر بعد الحد"))
        r["/a/7.html"] = (HTML, article_html("خبر آخر خريطة بترميز مضغوط"))
        r["/a/deep.html"] = (HTML, article_html("خبر بكتلة عميقة",
                                                f"<script type='application/ld+json'>{DEEP_LIST}</script>"))
        big = article_html("x").replace(b"<title>x</title>", f"<title>{BIG_TITLE}</title>".encode())
        r["/a/bigtitle.html"] = (HTML, big.replace(b"<h1>x</h1>", b""))
        registry = site.registry(tmp / "sources.yaml", feeds=[b + "/feed.xml", b + "/lol.xml"],
                                 sitemaps=[b + "/big.xml", b + "/big.xml.gz", b + "/encoded.xml",
                                           b + "/huge.xml.gz"],
                                 start_urls=[b + "/a/deep.html", b + "/a/bigtitle.html"])
        database = f"parsers_{uuid.uuid4().hex[:8]}"
        cmd = scrapy_command(registry, settings={
            "MONGO_URI": mongo_server, "MONGO_DATABASE": database, "MARSAD_SPOOL_DIR": tmp / "spool",
            "AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_TIMEOUT": 30, "MARSAD_PROCESS_WORKERS": 0,
            "MARSAD_EVENTS": False, "LOG_LEVEL": "INFO", "MARSAD_INCREMENTAL": False,
            "MARSAD_RUN_RECORDS": False})
        run = subprocess.run(cmd, cwd=ROOT, env=crawl_env(), capture_output=True, text=True, timeout=300)
        client = pymongo.MongoClient(mongo_server)
        yield {"run": run, "db": client[database], "base": b}
        client.drop_database(database)
        client.close()


@pytest.mark.slow
def test_parser_crawl_stores_every_healthy_page(parser_crawl):
    run, db, b = parser_crawl["run"], parser_crawl["db"], parser_crawl["base"]
    assert run.returncode == 0, run.stderr[-3000:]
    stored = {d["url"] for d in db.articles.find({}, {"url": 1})}
    expected = {f"{b}/a/{i}.html" for i in (1, 2, 3, 4, 5, 7)} | {b + "/a/deep.html", b + "/a/bigtitle.html"}
    assert stored == expected, stored


@pytest.mark.slow
def test_parser_crawl_records_what_it_refused(parser_crawl):
    db, b = parser_crawl["db"], parser_crawl["base"]
    lol = db.drops.find_one({"fetched_url": b + "/lol.xml"})
    assert lol is not None and lol["reason"] == "entity_expansion", lol
    huge = db.drops.find_one({"fetched_url": b + "/huge.xml.gz"})
    assert huge is not None and huge["reason"] == "too_large", huge
    assert db.articles.find_one({"url": b + "/a/6.html"}) is None


@pytest.mark.slow
def test_parser_crawl_keeps_titles_whole_or_cut_and_flagged(parser_crawl):
    db, b = parser_crawl["db"], parser_crawl["base"]
    rain = db.articles.find_one({"url": b + "/a/1.html"})
    assert rain["hints"]["title"] == "أمطار\xa0غزيرة"
    big = db.articles.find_one({"url": b + "/a/bigtitle.html"})
    assert big["title"].startswith("عنوان طويل جدا") and len(big["title"]) <= MAX_TITLE
    assert "title_truncated" in big["sanitised"]
    assert db.articles.find_one({"url": b + "/a/deep.html"})["title"] == "خبر بكتلة عميقة"
