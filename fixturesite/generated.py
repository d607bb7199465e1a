"""`gen`: any number of generated articles for benchmarks, built on the fly per request.

Article i is a pure function of i (seeded random choices over content/gen_words.yaml),
so the server stores nothing and the catalogue can be recomputed anywhere.
"""
from __future__ import annotations

import random
import re
from datetime import datetime, timedelta
from html import escape
from xml.sax.saxutils import escape as xml_escape
from zoneinfo import ZoneInfo

from .data import gen_words
from .datelines import iso_local, month_name, rfc822
from .responses import HTML_UTF8, Response
from .site_base import json_for_script, sitemap_index, template, urlset, xml_response

SITEMAP_PAGE = 1000
_ARTICLE_RE = re.compile(r"^/(\d{4})/(\d{2})/(\d{2})/(\d+)\.html$")
_SITEMAP_RE = re.compile(r"^/sitemaps/articles-(\d+)\.xml$")
_SLOT_RE = re.compile(r"\{(\w+?)(2)?\}")


class GeneratedSite:
    key = "gen"
    source_id = "fx-gen"
    article_pattern = r"/\d{4}/\d{2}/\d{2}/\d+\.html$"

    def __init__(self, base_url: str, count: int) -> None:
        self.base = base_url.rstrip("/")
        self.count = int(count)
        words = gen_words()
        self.w = words
        self.tz = ZoneInfo(words["timezone"])
        self.name = words["name"]
        self.start = datetime(2016, 1, 1, 6, 0, tzinfo=self.tz)
        self.tpl = template("gen", "article.html")
        # Pre-split each sentence into literal text and slot names once.
        self._sentences = [self._compile(s) for s in words["sentences"]]
        self._titles = [self._compile(s) for s in words["title_patterns"]]

    @staticmethod
    def _compile(pattern: str) -> list[tuple[str, str | None]]:
        parts, pos = [], 0
        for m in _SLOT_RE.finditer(pattern):
            parts.append((pattern[pos:m.start()], None))
            parts.append(("", m.group(1)))
            pos = m.end()
        parts.append((pattern[pos:], None))
        return parts

    def _fill(self, parts: list[tuple[str, str | None]], rng: random.Random, fixed: dict[str, str]) -> str:
        out = []
        for text, slot in parts:
            if slot is None:
                out.append(text)
            elif slot == "city" and "city" in fixed:
                out.append(fixed["city"])
            else:
                table = self.w[slot + "s"] if slot + "s" in self.w else self.w[slot]
                out.append(table[rng.randrange(len(table))])
        return "".join(out)

    # ---- one article ------------------------------------------------------------------
    def published(self, i: int) -> datetime:
        return self.start + timedelta(minutes=13 * i)

    def path(self, i: int) -> str:
        return f"/{self.published(i):%Y/%m/%d}/{i}.html"

    def url(self, i: int) -> str:
        return self.base + self.path(i)

    def article(self, i: int) -> tuple[str, list[str]]:
        rng = random.Random(i * 7919 + 17)
        city = self.w["cities"][rng.randrange(len(self.w["cities"]))]
        fixed = {"city": city}
        title = self._fill(self._titles[rng.randrange(len(self._titles))], rng, fixed)
        paragraphs = []
        for _ in range(rng.randint(3, 8)):
            picks = rng.sample(self._sentences, rng.randint(3, 4))
            paragraphs.append(" ".join(self._fill(p, rng, fixed) for p in picks))
        return title, paragraphs

    def render(self, i: int) -> Response:
        title, paragraphs = self.article(i)
        pub = self.published(i)
        url = self.url(i)
        jsonld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": title,
                  "datePublished": iso_local(pub), "mainEntityOfPage": url, "inLanguage": "ar",
                  "publisher": {"@type": "Organization", "name": self.name}}
        related = "".join(f'<li><a href="{self.url(j)}">{escape(self.article_title(j))}</a></li>'
                          for j in (i - 1, i - 2) if j >= 0)
        html = self.tpl.substitute(
            title=escape(title), site_name=escape(self.name), url=url, base=self.base,
            jsonld=json_for_script(jsonld), dateline=f"{pub.day} {month_name(pub, 'egyptian')} {pub.year} {pub:%H:%M}",
            body="\n".join(f"<p>{escape(p)}</p>" for p in paragraphs), related=related)
        return Response(body=html.encode("utf-8"), content_type=HTML_UTF8,
                        last_modified=pub, conditional=True)

    def article_title(self, i: int) -> str:
        return self.article(i)[0]

    # ---- routing ------------------------------------------------------------------------
    def resolve(self, path: str, query: str) -> Response | None:
        m = _ARTICLE_RE.match(path)
        if m:
            i = int(m.group(4))
            if i < self.count and self.path(i) == path:
                return self.render(i)
            return None
        m = _SITEMAP_RE.match(path)
        if m:
            k = int(m.group(1))
            lo, hi = (k - 1) * SITEMAP_PAGE, min(k * SITEMAP_PAGE, self.count)
            if k >= 1 and lo < self.count:
                return xml_response(urlset([(self.url(i), self.published(i)) for i in range(lo, hi)]))
        return None

    def sitemap_pages(self) -> int:
        return -(-self.count // SITEMAP_PAGE)

    def latest_ids(self, n: int = 50) -> list[int]:
        return list(range(self.count - 1, max(-1, self.count - 1 - n), -1))

    def static_routes(self) -> dict[str, Response]:
        idx = sitemap_index([f"{self.base}/sitemaps/articles-{k}.xml" for k in range(1, self.sitemap_pages() + 1)])
        items = "\n".join(f'<li><a href="{self.url(i)}">{escape(self.article_title(i))}</a></li>' for i in self.latest_ids())
        listing = (f'<!DOCTYPE html><html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>آخر الأخبار | {escape(self.name)}</title></head>'
                   f'<body><h1>آخر الأخبار</h1><ul class="latest">{items}</ul></body></html>')
        robots = f"User-agent: *\nDisallow: /private/\n\nSitemap: {self.base}/sitemap.xml\n"
        return {
            "/sitemap.xml": xml_response(idx),
            "/feed.xml": Response(body=self.feed().encode("utf-8"), content_type="application/rss+xml; charset=UTF-8"),
            "/latest/": Response(body=listing.encode("utf-8")),
            "/": Response(body=listing.encode("utf-8")),
            "/robots.txt": Response(body=robots.encode("utf-8"), content_type="text/plain; charset=UTF-8"),
        }

    def feed(self) -> str:
        items = "\n".join(
            f"<item><title>{xml_escape(self.article_title(i))}</title><link>{self.url(i)}</link>"
            f"<pubDate>{rfc822(self.published(i))}</pubDate><guid>{self.url(i)}</guid></item>"
            for i in self.latest_ids())
        return ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
                f"<title>{xml_escape(self.name)}</title><link>{self.base}/</link><language>ar</language>\n"
                f"{items}\n</channel></rss>\n")

    # ---- registry and ground truth --------------------------------------------------------
    def source_entry(self) -> dict:
        return {
            "id": self.source_id, "name": self.name, "enabled": True, "base_url": self.base,
            "language": "ar", "timezone": self.w["timezone"], "allow_private": True, "crawl_delay": 0,
            "feeds": [f"{self.base}/feed.xml"], "sitemaps": [f"{self.base}/sitemap.xml"],
            "sections": [{"url": f"{self.base}/latest/", "article_pattern": self.article_pattern}],
            "xpaths": {},
        }

    def entries(self) -> list[dict]:
        out = []
        for i in range(self.count):
            title, paragraphs = self.article(i)
            url = self.url(i)
            out.append({
                "url": url, "site": "gen", "source": self.source_id, "kind": "article",
                "title": title, "published": iso_local(self.published(i)), "modified": None,
                "timezone": self.w["timezone"], "paragraphs": paragraphs, "must_not_contain": [],
                "expect": "stored", "canonical_url": url, "duplicate_of": None,
                "notes": "generated article",
            })
        return out
