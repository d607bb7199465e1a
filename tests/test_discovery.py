"""Discovery keeps what listings say about each article (news-sitemap dates and titles)."""
from __future__ import annotations

import gzip
import re

from crawler.discovery import looks_like_feed, parse_feed, parse_section, parse_sitemap

NEWS_SITEMAP = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
  <url>
    <loc>https://news.example/2015/05/19/camp/</loc>
    <news:news>
      <news:publication><news:name>أخبار</news:name><news:language>ar</news:language></news:publication>
      <news:publication_date>2015-05-19T15:12:00+03:00</news:publication_date>
      <news:title>سقوط المعسكر</news:title>
    </news:news>
  </url>
  <url><loc>https://news.example/2015/05/20/other/</loc><lastmod>2015-05-20</lastmod></url>
</urlset>"""

INDEX = """<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>https://news.example/sitemap-1.xml</loc></sitemap>
<sitemap><loc>/sitemap-2.xml</loc></sitemap></sitemapindex>"""

RSS = """<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><title>خبر أول</title><link>https://news.example/a/1</link>
<pubDate>Fri, 22 May 2015 12:00:00 +0300</pubDate></item>
<item><title>بلا رابط</title></item></channel></rss>"""

ATOM = """<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
<entry><title>خبر</title><link rel="alternate" href="https://news.example/b/2"/>
<published>2015-04-25T10:00:00+01:00</published><updated>2015-04-26T10:00:00+01:00</updated></entry>
</feed>"""


def test_news_sitemap_keeps_date_title_language():
    listing = parse_sitemap(NEWS_SITEMAP.encode(), "https://news.example/news.xml")
    first, second = listing.articles
    assert first.via == "news_sitemap"
    assert first.published == "2015-05-19T15:12:00+03:00"
    assert first.title == "سقوط المعسكر" and first.language == "ar"
    assert second.via == "sitemap" and second.modified == "2015-05-20" and second.published is None


def test_sitemap_index_and_gzip():
    listing = parse_sitemap(gzip.compress(INDEX.encode()), "https://news.example/index.xml")
    assert listing.sitemaps == ["https://news.example/sitemap-1.xml", "https://news.example/sitemap-2.xml"]
    assert listing.articles == []


def test_feeds_rss_and_atom():
    rss = parse_feed(RSS.encode(), "https://news.example/feed")
    assert [(e.url, e.via) for e in rss.articles] == [("https://news.example/a/1", "rss")]
    assert rss.articles[0].published.startswith("Fri, 22 May 2015")
    atom = parse_feed(ATOM.encode(), "https://news.example/atom")
    assert atom.articles[0].published == "2015-04-25T10:00:00+01:00"
    assert atom.articles[0].modified == "2015-04-26T10:00:00+01:00"
    assert looks_like_feed(RSS.encode()) and not looks_like_feed(NEWS_SITEMAP.encode())


def test_section_links_pattern_and_pagination():
    page = """<html><body>
      <a href="/2015/05/19/camp/">مقال</a><a href="/2015/05/19/camp/#comments">تعليقات</a>
      <a href="/category/syria/page/2/">التالي</a><a href="/about/">من نحن</a>
      <a href="https://other.example/2015/05/19/x/">خارجي</a><a href="javascript:void(0)">x</a>
    </body></html>"""
    listing = parse_section(page.encode(), "https://news.example/category/syria/",
                            re.compile(r"/\d{4}/\d{2}/\d{2}/[^/]+/$"))
    assert [e.url for e in listing.articles] == ["https://news.example/2015/05/19/camp/"]
    assert listing.pages == ["https://news.example/category/syria/page/2/"]


def test_garbage_yields_nothing():
    for body in (b"", b"\x00\x01\x02", b"<html>not a sitemap", gzip.compress(b"")[:5]):
        assert parse_sitemap(body, "https://x.example/").articles == []
        assert parse_feed(body, "https://x.example/").articles == []
