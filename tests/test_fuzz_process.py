"""Property tests (bounded) for the stages the other property tests do not cover:
`process_page` on any page record, the discovery parsers on any body, canonical URLs on
any string, and the spool's line format on any record."""
from __future__ import annotations

import datetime as dt
import re

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from crawler.discovery import looks_like_feed, parse_feed, parse_section, parse_sitemap
from pipelines.process import process_page
from pipelines.records import Article, Drop, DropReason
from pipelines.storage.spool import decode_line, encode_line
from pipelines.urls import canonical_url

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

arabic = st.text(alphabet=st.characters(min_codepoint=0x0600, max_codepoint=0x06FF) | st.sampled_from(" \n.،"),
                 max_size=300)
fragments = st.sampled_from([
    "<html>", "<head>", "<meta charset='windows-1256'>", "<title>", "</title>", "<body>",
    "<article>", "<p>", "</p>", "<h1>", "<script>", "</script>", "<time datetime='2015-05-22'>",
    '<script type="application/ld+json">{"@type":"NewsArticle","datePublished":', '"2015-13-45"}',
    "<div class='share'>", "</div>", "<!--", "-->", "<![CDATA[", "]]>", "&#x0;", "&nbsp;",
])
html_text = st.lists(fragments | arabic, max_size=40).map("".join)
bodies = st.one_of(st.binary(max_size=1500), html_text.map(lambda s: s.encode("utf-8", "surrogatepass")),
                   html_text, st.none(), st.integers())
anything = st.one_of(st.none(), st.integers(), st.text(max_size=30), st.binary(max_size=20),
                     st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3))
pages = st.fixed_dictionaries(
    {"body": bodies},
    optional={
        "url": st.one_of(st.text(max_size=60), st.just("https://news.example/2015/05/22/x.html"), anything),
        "final_url": anything,
        "status": st.one_of(st.integers(-5, 1000), anything),
        "content_type": st.one_of(st.sampled_from(["text/html", "text/html; charset=utf-8",
                                                   "text/html; charset=bogus-9", "image/png"]), anything),
        "timezone": st.one_of(st.sampled_from(["Asia/Damascus", "Africa/Cairo", "Mars/Olympus", ""]), anything),
        "language": st.one_of(st.sampled_from(["ar", "fa", "en", "xx"]), anything),
        "fetched_at": st.one_of(st.sampled_from(["2015-05-22T10:00:00Z", "yesterday", ""]), anything),
        "hints": st.one_of(st.dictionaries(st.sampled_from(["published", "title", "via", "$where", "a.b"]),
                                           anything, max_size=4), anything),
        "xpaths": st.one_of(st.dictionaries(st.sampled_from(["title", "body", "date"]),
                                            st.sampled_from(["//h1", "//p", "///[", "count(//p)", ""]),
                                            max_size=3), anything),
    },
)


@SLOW
@given(pages)
def test_process_page_never_raises(page):
    result = process_page(page, with_events=True)
    assert isinstance(result, (Article, Drop))
    if isinstance(result, Drop):
        assert isinstance(result.reason, DropReason) and result.code
    else:
        assert isinstance(result.text, str) and result.text


xml_fragments = st.sampled_from([
    "<?xml version='1.0'?>", "<urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>",
    "</urlset>", "<sitemapindex>", "</sitemapindex>", "<url>", "</url>", "<loc>", "</loc>",
    "<sitemap>", "</sitemap>", "<rss version='2.0'>", "<channel>", "<item>", "</item>",
    "<link>", "</link>", "<pubDate>", "</pubDate>", "<feed xmlns='http://www.w3.org/2005/Atom'>",
    "<entry>", "<link href='", "'/>", "http://127.0.0.1:1/2015/05/22/x.html", "javascript:alert(1)",
    "<!DOCTYPE x [<!ENTITY a 'aaaa'><!ENTITY b '&a;&a;&a;&a;'>]>", "&b;", "\x1f\x8b\x08",
])
xml_bodies = st.one_of(st.binary(max_size=800), st.lists(xml_fragments | arabic, max_size=30).map(
    lambda parts: "".join(parts).encode("utf-8", "surrogatepass")))


@FAST
@given(xml_bodies, st.sampled_from(["http://127.0.0.1:1/", "https://news.example/a/b?c=d", "not a url"]))
def test_discovery_parsers_never_raise(body, base):
    for listing in (parse_sitemap(body, base), parse_feed(body, base),
                    parse_section(body, base, re.compile(r"/\d{4}/"))):
        for entry in listing.articles:
            assert isinstance(entry.url, str)
            assert entry.url.startswith(("http://", "https://")), entry.url
        assert all(isinstance(u, str) for u in listing.sitemaps)
    assert looks_like_feed(body) in (True, False)


@FAST
@given(st.one_of(st.text(max_size=120), st.from_regex(r"https?://[a-zA-Z0-9.\-:\[\]@%]{0,30}/[^\s]{0,40}", fullmatch=True)))
def test_canonical_url_never_raises_and_is_stable(url):
    once = canonical_url(url)
    assert isinstance(once, str)
    assert canonical_url(once) == once


records = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(allow_nan=False),
              st.text(max_size=40), st.binary(max_size=40),
              st.datetimes(timezones=st.just(dt.timezone.utc)), st.dates()),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@FAST
@given(st.dictionaries(st.text(max_size=10), records, max_size=6))
@example({"hints": {"$spool_b64": "AAAA"}, "x": {"$spool_dt": "2015-05-22", "$spool_pairs": []}})
def test_spool_lines_round_trip(record):
    item = decode_line(encode_line("article", record))
    assert item["kind"] == "article"
    assert item["record"] == record
