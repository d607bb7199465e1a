"""What every fixture site shares: URL book, listings, feeds, sitemaps, faults, catalogue.

A site subclass only decides its URL shapes and fills its own HTML templates; the
ground-truth entries are written here, next to the code that serves the same page.
"""
from __future__ import annotations

import html as htmlmod
import re
from dataclasses import dataclass
from datetime import datetime

from . import quirks
from .data import Article, FixtureDataError, Page, SiteData, legacy_chrome
from .datelines import digits, iso_local, weekday_name, wrap_bidi
from .feeds import TRACKING_QUERY, FeedsMixin, sitemap_index, urlset, xml_response
from .quirks import decorate
from .responses import HTML_UTF8, Response, Route, redirect
from .templating import collapse, esc, fill, json_for_script, template

# Old archive pages in a legacy code page are served with the old table layout.
LEGACY_QUIRKS = ("cp1256_nocharset", "iso8859_6_nocharset")
_INVISIBLE_BLOCKS_RE = re.compile(r"<(script|style|noscript)\b.*?</\1>", re.S | re.I)
_TAGS_RE = re.compile(r"<[^>]+>")


@dataclass
class ArticleView:
    """An article resolved for one site: URLs, final title and paragraphs."""
    a: Article
    url: str
    title: str
    paragraphs: list[str]
    duplicate_of: str | None = None


class UrlBook:
    """Article URLs of all sites, so one site can link to or copy another."""

    def __init__(self) -> None:
        self.views: dict[str, ArticleView] = {}

    def add(self, view: ArticleView) -> None:
        self.views[f"{view.a.site}/{view.a.slug}"] = view

    def get(self, ref: str) -> ArticleView:
        if ref not in self.views:
            raise FixtureDataError(f"unknown article reference {ref!r}")
        return self.views[ref]


class SiteBuilder(FeedsMixin):
    key = ""
    article_pattern = ""
    default_date_markup: list[str] = ["jsonld", "meta"]
    extra_headers: dict[str, str] = {}
    feed_content_type = "application/rss+xml; charset=UTF-8"
    jsonld_body = False

    def __init__(self, data: SiteData, base_url: str, book: UrlBook) -> None:
        self.d = data
        self.base = base_url.rstrip("/")
        self.book = book
        self.routes: dict[str, Route] = {}
        self.entries: list[dict] = []
        self.views: list[ArticleView] = []
        for a in data.articles:
            view = ArticleView(a, self.url(self.article_path(a)), a.title, a.paragraphs)
            self.views.append(view)
            book.add(view)

    # ---- URL shapes (sites override) -------------------------------------------------
    def url(self, path: str) -> str:
        return self.base + path

    def article_path(self, a: Article) -> str:
        raise NotImplementedError

    def page_path(self, p: Page) -> str:
        raise NotImplementedError

    def section_path(self, slug: str, page_no: int) -> str:
        raise NotImplementedError

    def amp_path(self, a: Article) -> str:
        return self.article_path(a).rstrip("/") + "/amp/"

    def alias_path(self, a: Article) -> str:
        raise NotImplementedError

    def old_path(self, a: Article) -> str:
        raise NotImplementedError

    def feed_path(self) -> str:
        return "/feed/"

    def news_sitemap_path(self) -> str:
        return "/news-sitemap.xml"

    def sitemap_path(self) -> str:
        return "/sitemap.xml"

    @staticmethod
    def private_prefix(p: Page) -> str:
        """A page that behaves as private lives under /private/ (robots.txt disallows it)."""
        return "/private" if p.behaviour == "private" else ""

    @staticmethod
    def as_printed(text: str, a: Article | None) -> str:
        """``text`` in article ``a``'s digits and bidi marks (as it is without an article)."""
        return text if a is None else wrap_bidi(digits(text, a.digits), a.bidi)

    # ---- rendering (sites override) --------------------------------------------------
    def render_article(self, v: ArticleView, body_html: str, head: str) -> str:
        raise NotImplementedError

    def render_listing(self, heading: str, items: list[dict], nav: str, kind: str, head: str = "") -> str:
        raise NotImplementedError

    def listing_head(self, path: str, prev: str | None = None, nxt: str | None = None) -> str:
        """What CMSs put in a listing's <head>: canonical, og:type website, rel prev/next."""
        lines = [f'<link rel="canonical" href="{esc(self.url(path))}">',
                 '<meta property="og:type" content="website">',
                 f'<meta property="og:url" content="{esc(self.url(path))}">',
                 f'<meta property="og:site_name" content="{esc(self.d.name)}">']
        if prev:
            lines.append(f'<link rel="prev" href="{esc(self.url(prev))}">')
        if nxt:
            lines.append(f'<link rel="next" href="{esc(self.url(nxt))}">')
        return "\n".join(lines)

    def render_special(self, p: Page, url: str) -> str:
        raise NotImplementedError

    def render_not_found(self) -> str:
        raise NotImplementedError

    def read_also_html(self, target: ArticleView) -> str:
        return f'<p><strong>{esc(self.d.chrome["read_also"])}</strong> <a href="{esc(target.url)}">{esc(target.title)}</a></p>'

    def chrome_strings(self, v: ArticleView | None) -> list[str]:
        """Boilerplate texts on an article page that must never reach extracted text."""
        return list(self.d.chrome.get("boilerplate") or [])

    def pager_html(self, slug: str, page_no: int, pages: int) -> str:
        parts = []
        if page_no > 1:
            parts.append(f'<a class="prev" href="{esc(self.url(self.section_path(slug, page_no - 1)))}">{esc(self.d.chrome["newer"])}</a>')
        if page_no < pages:
            parts.append(f'<a class="next" href="{esc(self.url(self.section_path(slug, page_no + 1)))}">{esc(self.d.chrome["older"])}</a>')
        return " ".join(parts)

    # ---- shared helpers --------------------------------------------------------------
    def markup(self, a: Article) -> list[str]:
        return self.default_date_markup if a.date_markup is None else a.date_markup

    def description(self, v: ArticleView) -> str:
        first = collapse(v.paragraphs[0]) if v.paragraphs else ""
        return first if len(first) <= 160 else first[:157].rsplit(" ", 1)[0] + "…"

    def jsonld(self, v: ArticleView, canonical: str) -> dict:
        a = v.a
        data: dict = {
            "@context": "https://schema.org", "@type": "NewsArticle",
            "mainEntityOfPage": {"@type": "WebPage", "@id": canonical},
            "headline": v.title, "inLanguage": "ar",
            "image": [self.image_url(a)],
            "articleSection": self.d.sections[a.section],
            "publisher": {"@type": "Organization", "name": self.d.name,
                          "logo": {"@type": "ImageObject", "url": self.url("/logo.png")}},
        }
        if a.author:
            data["author"] = {"@type": "Person", "name": a.author}
        if self.jsonld_body and not a.quirk:
            # Many portals repeat the whole body in JSON-LD: a trap for doubled text.
            data["articleBody"] = " ".join(collapse(p) for p in v.paragraphs)
        if "jsonld" in self.markup(a):
            data["datePublished"] = iso_local(a.published)
            if a.modified:
                data["dateModified"] = iso_local(a.modified)
        return data

    def image_url(self, a: Article) -> str:
        return self.url(f"/images/{a.published:%Y/%m}/{a.slug}.jpg")

    def head_meta(self, v: ArticleView, canonical: str, amp: str | None = None) -> str:
        a = v.a
        lines = [
            f'<link rel="canonical" href="{esc(canonical)}">',
            f'<meta name="description" content="{esc(self.description(v))}">',
            '<meta property="og:locale" content="ar_AR">',
            '<meta property="og:type" content="article">',
            f'<meta property="og:title" content="{esc(v.title)}">',
            f'<meta property="og:description" content="{esc(self.description(v))}">',
            f'<meta property="og:url" content="{esc(canonical)}">',
            f'<meta property="og:site_name" content="{esc(self.d.name)}">',
            f'<meta property="og:image" content="{esc(self.image_url(a))}">',
        ]
        if amp:
            lines.insert(1, f'<link rel="amphtml" href="{esc(amp)}">')
        lines.append(f'<meta property="article:section" content="{esc(self.d.sections[a.section])}">')
        for tag in a.tags:
            lines.append(f'<meta property="article:tag" content="{esc(tag)}">')
        if "meta" in self.markup(a):
            lines.append(f'<meta property="article:published_time" content="{iso_local(a.published)}">')
            if a.modified:
                lines.append(f'<meta property="article:modified_time" content="{iso_local(a.modified)}">')
        if "jsonld" in self.markup(a):
            lines.append(f'<script type="application/ld+json">{json_for_script(self.jsonld(v, canonical))}</script>')
        return "\n".join(lines)

    def body_html(self, v: ArticleView) -> str:
        out = []
        for i, p in enumerate(v.paragraphs):
            out.append(f"<p>{htmlmod.escape(p, quote=False)}</p>")
            if i in v.a.read_also:
                out.append(self.read_also_html(self.book.get(v.a.read_also[i])))
        return "\n".join(out)

    def related(self, v: ArticleView, n: int = 3) -> list[ArticleView]:
        same = [o for o in self.views if o is not v and o.a.section == v.a.section and not o.a.quirk]
        others = [o for o in self.latest() if o is not v and o not in same]
        return (same + others)[:n]

    def latest(self, n: int | None = None) -> list[ArticleView]:
        ordered = sorted(self.views, key=lambda o: o.a.published, reverse=True)
        return ordered[:n] if n else ordered

    def must_not_contain(self, html: str, v: ArticleView, extra: list[str], legacy: bool = False) -> list[str]:
        visible = htmlmod.unescape(_TAGS_RE.sub(" ", _INVISIBLE_BLOCKS_RE.sub(" ", html)))
        visible = collapse(visible)
        own = [collapse(v.title)] + [collapse(p) for p in v.paragraphs]
        out: list[str] = []
        chrome = list(legacy_chrome()["boilerplate"].values()) if legacy else self.chrome_strings(v)
        for s in chrome + extra:
            s = collapse(s)
            if s and s not in out and s in visible and not any(s in t for t in own):
                out.append(s)
        return out

    # ---- building --------------------------------------------------------------------
    def entry(self, url: str, kind: str, expect: str, *, title: str | None = None,
              published: str | None = None, modified: str | None = None,
              paragraphs: list[str] | None = None, must_not_contain: list[str] | None = None,
              canonical_url: str | None = None, duplicate_of: str | None = None,
              notes: str = "") -> dict:
        return {
            "url": url, "site": self.d.key, "source": self.d.source_id, "kind": kind,
            "title": title, "published": published, "modified": modified,
            "timezone": self.d.timezone, "paragraphs": paragraphs or [],
            "must_not_contain": must_not_contain or [], "expect": expect,
            "canonical_url": canonical_url or url, "duplicate_of": duplicate_of, "notes": notes,
        }

    def html_response(self, html: str, status: int = 200, modified: datetime | None = None) -> Response:
        return Response(status=status, body=html.encode("utf-8"), content_type=HTML_UTF8,
                        last_modified=modified, conditional=modified is not None)

    def build(self) -> None:
        for v in self.views:
            if v.a.republish_of:
                orig = self.book.get(v.a.republish_of)
                v.title = decorate(orig.title, 1)
                v.paragraphs = [decorate(p, i) for i, p in enumerate(orig.paragraphs)]
                v.duplicate_of = orig.url
        for v in self.views:
            self.build_article(v)
        for p in self.d.pages:
            self.build_page(p)
        self.build_listings()
        self.build_feeds()
        self.routes["/robots.txt"] = Response(
            body=self.robots().encode("utf-8"), content_type="text/plain; charset=UTF-8")

    def build_article(self, v: ArticleView) -> None:
        a = v.a
        path = self.article_path(a)
        amp = self.url(self.amp_path(a)) if "amp" in a.variants else None
        legacy = a.quirk in LEGACY_QUIRKS
        if legacy:
            html = self.render_legacy(v)
        else:
            html = self.render_article(v, self.body_html(v), self.head_meta(v, v.url, amp))
        paragraphs = [collapse(p) for p in v.paragraphs]
        notes = [a.notes] if a.notes else []
        if a.quirk == "truncated":
            if not a.truncate_after or a.truncate_after >= len(v.paragraphs):
                raise FixtureDataError(f"{a.site}/{a.slug}: truncated needs truncate_after")
            html = quirks.truncate(html, esc(v.paragraphs[a.truncate_after]))
            paragraphs = paragraphs[: a.truncate_after]
        elif a.quirk == "malformed":
            html = quirks.malform(html)
        # Any other article's title shown on this page (related, most-read, recent,
        # previous post, inline «read also») is boilerplate here.
        extra = [o.title for o in self.views if o is not v]
        extra += [self.book.get(ref).title for ref in a.read_also.values()]
        mnc = self.must_not_contain(html, v, extra, legacy=legacy)
        ok = self.html_response(html, modified=a.modified or a.published)
        route: Route = ok
        if a.quirk in ("cp1256_nocharset", "iso8859_6_nocharset", "mislabelled"):
            codec = "iso8859_6" if a.quirk == "iso8859_6_nocharset" else "cp1256"
            for text in [v.title] + v.paragraphs:
                text.encode(codec)   # the article itself must survive the old code page
            if a.quirk == "mislabelled":
                ok.body, ok.content_type = quirks.legacy_bytes(html, codec), "text/html; charset=ISO-8859-1"
            else:
                ok.body, ok.content_type = quirks.legacy_bytes(quirks.strip_charset(html), codec), "text/html"
        elif a.quirk == "fail_once":
            route = quirks.fail_once(path, ok)
        elif a.quirk == "huge":
            route = quirks.huge(ok)
        elif a.quirk and a.quirk not in quirks.ARTICLE_QUIRKS:
            raise FixtureDataError(f"{a.site}/{a.slug}: unknown quirk {a.quirk!r}")
        if a.quirk:
            notes.append(quirks.ARTICLE_QUIRKS[a.quirk])
        if a.seed:
            notes.append(f"seed article ({a.seed})")
        self.routes[path] = route
        common = dict(title=collapse(v.title), published=iso_local(a.published),
                      modified=iso_local(a.modified) if a.modified else None,
                      paragraphs=paragraphs, must_not_contain=mnc)
        self.entries.append(self.entry(v.url, "article", "stored", duplicate_of=v.duplicate_of,
                                       notes="; ".join(notes) or "article", **common))
        self.build_variants(v, ok, common, extra)

    def build_variants(self, v: ArticleView, ok: Response, common: dict, extra: list[str]) -> None:
        a = v.a
        for variant in a.variants:
            entry = dict(common)
            if variant == "amp":
                amp_html = self.render_amp(v)
                entry["must_not_contain"] = self.must_not_contain(amp_html, v, extra)
                path, route, note = self.amp_path(a), self.html_response(amp_html, modified=a.modified or a.published), "AMP variant, rel=canonical to the main URL"
            elif variant == "alias":
                path, route, note = self.alias_path(a), ok, "alias path, same page, rel=canonical to the main URL"
            elif variant == "tracking":
                path, route, note = self.article_path(a) + "?" + TRACKING_QUERY, None, "tracking parameters on the main URL"
            elif variant in ("redirect301", "redirect302"):
                status = int(variant[-3:])
                path, route, note = self.old_path(a), redirect(v.url, status), f"old URL, {status} to the main URL"
            else:
                raise FixtureDataError(f"{a.site}/{a.slug}: unknown variant {variant!r}")
            if route is not None:
                self.routes[path] = route
            self.entries.append(self.entry(self.url(path), "article", "stored", canonical_url=v.url,
                                           duplicate_of=v.url, notes=note, **entry))

    def render_legacy(self, v: ArticleView) -> str:
        """The table layout of the site's first CMS, kept for its old archive pages."""
        a, ch = v.a, legacy_chrome()["boilerplate"]
        menu = " | ".join(f'<a href="{esc(self.url(self.section_path(s, 1)))}">{esc(n)}</a>'
                          for s, n in self.d.sections.items())
        previous = "\n".join(f'<tr><td><a href="{esc(o.url)}">{esc(o.title)}</a></td></tr>'
                             for o in self.latest(4) if o is not v)
        body = "<br><br>\n".join(htmlmod.escape(p, quote=False) for p in v.paragraphs)
        return fill("common", "legacy_table.html", site_name=esc(self.d.name), title=esc(v.title),
                    tagline=esc(self.d.tagline), menu=menu, previous_label=esc(ch["previous_label"]),
                    previous=previous, visitors=esc(ch["visitors"]), dateline=esc(self.legacy_dateline(a)),
                    body=body, print_label=esc(ch["print_label"]), send_label=esc(ch["send_label"]),
                    footer=esc(ch["footer"]))

    def legacy_dateline(self, a: Article) -> str:
        """Old CMSs printed numeric dates: «السبت 14/3/2009 - الساعة 10:20»."""
        dt = a.published
        return f"{weekday_name(dt)} {dt.day}/{dt.month}/{dt.year} - {legacy_chrome()['words']['hour']} {dt:%H:%M}"

    def render_amp(self, v: ArticleView) -> str:
        a = v.a
        return fill("common", "amp.html", title=esc(v.title), canonical=esc(v.url),
                    jsonld=json_for_script(self.jsonld(v, v.url)), base=self.base,
                    site_name=esc(self.d.name), author=esc(a.author),
                    published_iso=iso_local(a.published), dateline=esc(self.dateline(a)),
                    body="\n".join(f"<p>{esc(p)}</p>" for p in v.paragraphs),
                    section_url=esc(self.url(self.section_path(a.section, 1))),
                    section_name=esc(self.d.sections[a.section]),
                    leave_comment=esc(self.d.chrome.get("leave_comment", "")))

    def dateline(self, a: Article) -> str:
        raise NotImplementedError

    def build_page(self, p: Page) -> None:
        if p.behaviour not in quirks.PAGE_BEHAVIOURS:
            raise FixtureDataError(f"{p.site}/{p.slug}: unknown behaviour {p.behaviour!r}")
        kind, expect, site_rendered = quirks.PAGE_BEHAVIOURS[p.behaviour]
        path = self.page_path(p)
        url = self.url(path)
        title = p.title if site_rendered else None
        if p.behaviour == "not_found":
            route: Route = Response(status=404, body=self.render_not_found().encode("utf-8"))
        elif p.behaviour == "redirect_loop":
            partner = path.rstrip("/") + "-2" + ("/" if path.endswith("/") else "")
            route = redirect(self.url(partner), 302)
            self.routes[partner] = redirect(url, 302)
        elif p.behaviour == "hang":
            route = quirks.hang(quirks.generic_page("hang"))
        elif site_rendered:
            route = self.html_response(self.render_special(p, url))
        else:
            route = quirks.generic_page(p.behaviour)
        self.routes[path] = route
        self.entries.append(self.entry(url, kind, expect, title=title, notes=p.notes or quirks.BEHAVIOUR_NOTES[p.behaviour],
                                       paragraphs=[collapse(x) for x in p.paragraphs]))

    # ---- listings ------------------------------------------------------------------
    def listing_items(self, section: str | None = None) -> list[dict]:
        items = [{"url": v.url, "title": v.title, "excerpt": self.description(v), "date": v.a.published,
                  "article": v.a}
                 for v in self.views if section is None or v.a.section == section]
        items += [{"url": self.url(self.page_path(p)), "title": p.title or p.slug, "excerpt": "",
                   "date": p.date, "article": None}
                  for p in self.d.pages if section is None or p.section == section]
        return sorted(items, key=lambda i: i["date"], reverse=True)

    def build_listings(self) -> None:
        per = self.d.per_page
        for slug, name in self.d.sections.items():
            items = self.listing_items(slug)
            pages = max(1, -(-len(items) // per))
            for n in range(1, pages + 1):
                path = self.section_path(slug, n)
                head = self.listing_head(path, self.section_path(slug, n - 1) if n > 1 else None,
                                         self.section_path(slug, n + 1) if n < pages else None)
                html = self.render_listing(name, items[(n - 1) * per: n * per],
                                           self.pager_html(slug, n, pages), "section", head)
                self.routes[path] = self.html_response(html)
                self.entries.append(self.entry(self.url(path), "not_article", "dropped:not_article",
                                               notes=f"section page {n}/{pages}"))
        home = self.render_listing(self.d.tagline, self.listing_items()[:10], "", "home", self.listing_head("/"))
        self.routes["/"] = self.html_response(home)
        self.entries.append(self.entry(self.url("/"), "not_article", "dropped:not_article",
                                       notes="home page"))
        self.build_extra_listings()

    def build_extra_listings(self) -> None:
        """Tag/author pages and the like (WordPress)."""

    # ---- registry -----------------------------------------------------------------
    def source_entry(self) -> dict:
        return {
            "id": self.d.source_id, "name": self.d.name, "enabled": True,
            "base_url": self.base, "language": "ar", "timezone": self.d.timezone,
            "allow_private": True, "crawl_delay": 0,
            "feeds": [self.url(self.feed_path())], "sitemaps": self.sitemap_list(),
            "sections": [{"url": self.url(self.section_path(s, 1)), "article_pattern": self.article_pattern}
                         for s in self.d.sections],
            "xpaths": {},
        }


__all__ = ["SiteBuilder", "UrlBook", "ArticleView", "esc", "fill", "collapse", "decorate", "template",
           "json_for_script", "urlset", "sitemap_index", "xml_response"]
