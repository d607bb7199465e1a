"""Serve the outlets set (content/outlets.yaml) as five small news sites on loopback.

Separate from ``FixtureServer`` so the existing sites, their ports and their catalogue
stay as they are. Each outlet has a home page listing its articles, an RSS feed and
article pages; outlets differ in how they mark dates (JSON-LD, ``<meta>``, ``<time>``,
a visible dateline only) and in their bylines. ``OutletsServer.catalogue()`` is the
ground truth: each article's URL with the event and story it belongs to.
"""
from __future__ import annotations

import json
import threading
from html import escape
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from .datelines import iso_local, rfc822
from .outlets import outlet_articles, outlets
from .responses import HTML_UTF8, Response
from .server import _SiteHTTPServer
from .templating import template

# how each style tells the publication time
_DATES = {"wire": "meta", "daily": "jsonld", "local": "time", "blog": "jsonld"}


def article_path(a: dict[str, Any]) -> str:
    return f"/news/{a['published']:%Y/%m/%d}/{a['id']}.html"


class _Outlet:
    def __init__(self, info: dict[str, Any], base: str, articles: list[dict[str, Any]]) -> None:
        self.info, self.base = info, base.rstrip("/")
        self.articles = sorted(articles, key=lambda a: a["published"], reverse=True)

    def url(self, a: dict[str, Any]) -> str:
        return self.base + article_path(a)

    def _head_dates(self, a: dict[str, Any]) -> tuple[str, str]:
        pub = iso_local(a["published"])
        kind = _DATES.get(self.info["style"], "jsonld")
        when = pub[:16].replace("T", " ")
        visible = f'<p class="byline">{escape(self.info["name"])} — <span class="date">{when}</span></p>'
        if kind == "meta":
            return f'<meta property="article:published_time" content="{pub}">', visible
        if kind == "time":
            return "", (f'<p class="byline">{escape(self.info["name"])} — '
                        f'<time datetime="{pub}">{pub[:10]}</time></p>')
        data = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": a["title"],
                "datePublished": pub, "mainEntityOfPage": self.url(a), "inLanguage": "ar",
                "publisher": {"@type": "Organization", "name": self.info["name"]}}
        script = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
        return f'<script type="application/ld+json">{script}</script>', visible

    def render(self, a: dict[str, Any]) -> Response:
        head, byline = self._head_dates(a)
        html = template("outlets", "article.html").substitute(
            title=escape(a["title"]), site_name=escape(self.info["name"]), url=self.url(a), base=self.base,
            style=self.info["style"], head_dates=head, byline=byline,
            body="\n".join(f"<p>{escape(p)}</p>" for p in a["paragraphs"]))
        return Response(body=html.encode("utf-8"), content_type=HTML_UTF8, last_modified=a["published"],
                        conditional=True)

    def routes(self) -> dict[str, Any]:
        out: dict[str, Any] = {article_path(a): self.render(a) for a in self.articles}
        items = "".join(f'<li><a href="{self.url(a)}">{escape(a["title"])}</a></li>' for a in self.articles)
        home = (f'<!DOCTYPE html><html lang="ar" dir="rtl"><head><meta charset="utf-8">'
                f'<title>{escape(self.info["name"])}</title></head><body><h1>{escape(self.info["name"])}</h1>'
                f'<ul class="latest">{items}</ul></body></html>')
        feed = "".join(f"<item><title>{xml_escape(a['title'])}</title><link>{self.url(a)}</link>"
                       f"<pubDate>{rfc822(a['published'])}</pubDate><guid>{self.url(a)}</guid></item>"
                       for a in self.articles)
        rss = ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
               f"<title>{xml_escape(self.info['name'])}</title><link>{self.base}/</link>"
               f"<language>ar</language>{feed}</channel></rss>\n")
        out["/"] = Response(body=home.encode("utf-8"), content_type=HTML_UTF8)
        out["/feed.xml"] = Response(body=rss.encode("utf-8"),
                                    content_type="application/rss+xml; charset=UTF-8")
        out["/robots.txt"] = Response(body=b"User-agent: *\nDisallow: /private/\n",
                                      content_type="text/plain; charset=UTF-8")
        return out

    def source_entry(self) -> dict[str, Any]:
        return {"id": self.info["id"], "name": self.info["name"], "enabled": True,
                "source_scale": self.info["scale"],
                "base_url": self.base + "/",
                "language": "ar", "timezone": self.info["timezone"], "allow_private": True, "crawl_delay": 0,
                "feeds": [f"{self.base}/feed.xml"], "sitemaps": [],
                "sections": [{"url": f"{self.base}/", "article_pattern": r"/news/\d{4}/\d{2}/\d{2}/"}],
                "xpaths": {}}


class OutletsServer:
    """The five outlets on free loopback ports, in background threads."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self._servers: dict[str, _SiteHTTPServer] = {}
        self._threads: list[threading.Thread] = []
        self._outlets: dict[str, _Outlet] = {}
        self.base_urls: dict[str, str] = {}
        # what _SiteHTTPServer's handler reads from its owner for callable routes
        self._state: dict = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self.hang_seconds = 0.0

    def start(self) -> OutletsServer:
        arts = outlet_articles()
        for info in outlets():
            srv = _SiteHTTPServer((self.host, 0), info["id"], self)  # type: ignore[arg-type]
            self._servers[info["id"]] = srv
            base = f"http://{self.host}:{srv.server_address[1]}"
            self.base_urls[info["id"]] = base
            outlet = _Outlet(info, base, [a for a in arts if a["outlet"] == info["id"]])
            self._outlets[info["id"]] = outlet
            srv.routes = dict(outlet.routes())
            srv.headers = {"Server": "nginx"}
        for key, srv in self._servers.items():
            t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.2},
                                 name=f"outlets-{key}", daemon=True)
            t.start()
            self._threads.append(t)
        return self

    def stop(self) -> None:
        self._stopping.set()
        for srv in self._servers.values():
            srv.shutdown()
            srv.close_connections()
            srv.server_close()
        for t in self._threads:
            t.join(timeout=5)
        self._servers.clear()
        self._threads.clear()

    def __enter__(self) -> OutletsServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def sources(self) -> list[dict[str, Any]]:
        """Source-registry entries for the live ports."""
        return [o.source_entry() for o in self._outlets.values()]

    def write_sources(self, path) -> None:
        import yaml

        with open(path, "w", encoding="utf-8") as fh:
            fh.write("# Source registry for the outlets fixture set, written by fixturesite.outlets_site.\n")
            yaml.safe_dump(self.sources(), fh, allow_unicode=True, sort_keys=False)

    def scales(self) -> dict[str, str]:
        """ACLED source_scale of each outlet (source id -> scale)."""
        return {o["id"]: o["scale"] for o in outlets()}

    def catalogue(self) -> list[dict[str, Any]]:
        """One entry per article: url, source, title, published (local ISO), paragraphs,
        and the ground truth ``event`` and ``story`` (the id of the original article)."""
        out = []
        for key, outlet in self._outlets.items():
            for a in outlet.articles:
                out.append({"url": outlet.url(a), "source": key, "id": a["id"], "title": a["title"],
                            "published": iso_local(a["published"]), "paragraphs": a["paragraphs"],
                            "event": a["event"], "story": a["story"], "copy_of": a["copy_of"]})
        return out
