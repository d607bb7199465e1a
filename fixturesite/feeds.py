"""Feeds, sitemaps and robots.txt of the fixture sites (a mixin of SiteBuilder)."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape as xml_escape

from .datelines import iso_local, rfc822
from .responses import Response

if TYPE_CHECKING:  # site_base imports this module
    from .site_base import ArticleView

TRACKING_QUERY = "utm_source=facebook&utm_medium=social&utm_campaign=share_button"


def urlset(urls: list[tuple[str, datetime | None]]) -> str:
    rows = []
    for loc, lastmod in urls:
        mod = f"<lastmod>{iso_local(lastmod)}</lastmod>" if lastmod else ""
        rows.append(f"<url><loc>{xml_escape(loc)}</loc>{mod}</url>")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            + "\n".join(rows) + "\n</urlset>\n")


def sitemap_index(locs: list[str]) -> str:
    rows = "\n".join(f"<sitemap><loc>{xml_escape(u)}</loc></sitemap>" for u in locs)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            + rows + "\n</sitemapindex>\n")


def xml_response(xml: str) -> Response:
    return Response(body=xml.encode("utf-8"), content_type="application/xml; charset=UTF-8")


class FeedsMixin:
    """RSS, Google News sitemap, plain sitemap and robots.txt from a site's articles."""

    def feed_link(self, v: ArticleView) -> str:
        return v.url + ("?" + TRACKING_QUERY if "tracking" in v.a.variants else "")

    def build_feeds(self) -> None:
        self.routes[self.feed_path()] = Response(body=self.feed().encode("utf-8"),
                                                 content_type=self.feed_content_type)
        self.routes[self.news_sitemap_path()] = xml_response(self.news_sitemap())
        for path, xml in self.sitemaps().items():
            self.routes[path] = xml_response(xml)

    def feed(self) -> str:
        items = []
        for v in self.latest(20):
            a = v.a
            items.append(
                "<item>\n"
                f"<title>{xml_escape(v.title)}</title>\n<link>{xml_escape(self.feed_link(v))}</link>\n"
                f"<pubDate>{rfc822(a.published)}</pubDate>\n"
                + (f"<dc:creator><![CDATA[{a.author}]]></dc:creator>\n" if a.author else "")
                + f"<category><![CDATA[{self.d.sections[a.section]}]]></category>\n"
                f'<guid isPermaLink="false">{xml_escape(v.url)}</guid>\n'
                f"<description><![CDATA[{self.description(v)}]]></description>\n"
                "</item>")
        last = self.latest(1)[0].a.published
        return ('<?xml version="1.0" encoding="UTF-8"?>\n'
                '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" '
                'xmlns:atom="http://www.w3.org/2005/Atom">\n<channel>\n'
                f"<title>{xml_escape(self.d.name)}</title>\n<link>{self.base}/</link>\n"
                f'<atom:link href="{self.url(self.feed_path())}" rel="self" type="application/rss+xml"/>\n'
                f"<description>{xml_escape(self.d.tagline)}</description>\n<language>ar</language>\n"
                f"<lastBuildDate>{rfc822(last)}</lastBuildDate>\n"
                + "\n".join(items) + "\n</channel>\n</rss>\n")

    def news_sitemap(self) -> str:
        rows = []
        for v in self.latest():
            rows.append(
                f"<url><loc>{xml_escape(v.url)}</loc><news:news><news:publication>"
                f"<news:name>{xml_escape(self.d.name)}</news:name><news:language>ar</news:language>"
                f"</news:publication><news:publication_date>{iso_local(v.a.published)}</news:publication_date>"
                f"<news:title>{xml_escape(v.title)}</news:title></news:news></url>")
        return ('<?xml version="1.0" encoding="UTF-8"?>\n'
                '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
                'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n'
                + "\n".join(rows) + "\n</urlset>\n")

    def sitemap_urls(self) -> list[tuple[str, datetime | None]]:
        """Everything a plain sitemap lists: articles, stale and odd URLs, listings."""
        out: list[tuple[str, datetime | None]] = []
        for v in self.latest():
            out.append((v.url, v.a.modified or v.a.published))
            if "redirect301" in v.a.variants or "redirect302" in v.a.variants:
                out.append((self.url(self.old_path(v.a)), v.a.published))
        for p in self.d.pages:
            out.append((self.url(self.page_path(p)), p.date))
        out.append((self.url("/"), None))
        for slug in self.d.sections:
            out.append((self.url(self.section_path(slug, 1)), None))
        return out

    def sitemaps(self) -> dict[str, str]:
        return {self.sitemap_path(): urlset(self.sitemap_urls())}

    def sitemap_list(self) -> list[str]:
        return [self.url(self.news_sitemap_path()), self.url(self.sitemap_path())]

    def robots(self) -> str:
        lines = ["User-agent: *", "Disallow: /private/"]
        lines += [f"Disallow: {p}" for p in self.d.chrome.get("robots_disallow", [])]
        lines += ["", f"Sitemap: {self.url(self.news_sitemap_path())}", f"Sitemap: {self.url(self.sitemap_path())}", ""]
        return "\n".join(lines)

