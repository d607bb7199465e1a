"""`portal`: an Egyptian-style news portal (header clock, «عاجل» ticker, most-read, ads)."""
from __future__ import annotations

from datetime import datetime
from urllib.parse import quote
from xml.sax.saxutils import escape as xml_escape

from .data import Article, Page, seed_chrome
from .datelines import clock_12h, iso_local, month_name, weekday_name
from .site_base import ArticleView, SiteBuilder, esc, fill

SITE = "portal"


class PortalSite(SiteBuilder):
    key = SITE
    article_pattern = r"/story/\d{4}/\d{1,2}/\d{1,2}/[^/]+/\d+$"
    default_date_markup = ["meta", "jsonld"]
    extra_headers = {"Server": "Microsoft-IIS/10.0", "X-Powered-By": "ASP.NET",
                     "X-AspNet-Version": "4.0.30319"}
    feed_content_type = "application/atom+xml; charset=UTF-8"
    jsonld_body = True

    def __init__(self, data, base_url, book):
        super().__init__(data, base_url, book)
        ch = dict(data.chrome)
        if ch.get("clock_from_seed"):
            # The seed's first lines are this portal's header clock, frozen in time.
            ch["clock_date"], ch["clock_time"] = seed_chrome(ch["clock_from_seed"])[0]
        self.ch = ch
        self.d.chrome = ch

    def story_id(self, a: Article) -> int:
        return 2184553 + a.index * 37

    def _story(self, dt: datetime, slug: str, sid: int) -> str:
        return f"/story/{dt.year}/{dt.month}/{dt.day}/{slug}/{sid}"

    def article_path(self, a: Article) -> str:
        return self._story(a.published, a.slug, self.story_id(a))

    def page_path(self, p: Page) -> str:
        sid = 2190000 + sum(map(ord, p.slug))
        return self.private_prefix(p) + self._story(p.date, p.slug, sid)

    def section_path(self, slug: str, page_no: int) -> str:
        return f"/section/{slug}" + (f"?page={page_no}" if page_no > 1 else "")

    def alias_path(self, a: Article) -> str:
        return f"/s/{self.story_id(a)}"

    def old_path(self, a: Article) -> str:
        return f"/News/Details.aspx?id={self.story_id(a)}"

    def amp_path(self, a: Article) -> str:
        return "/amp" + self.article_path(a)

    def feed_path(self) -> str:
        return "/rss/atom.xml"

    def dateline_of(self, dt: datetime, a: Article | None) -> str:
        return self.as_printed(f"{weekday_name(dt)}، {dt.day} {month_name(dt, 'egyptian')} {dt.year} - "
                               f"{clock_12h(dt)}", a)

    def dateline(self, a: Article) -> str:
        return self.dateline_of(a.published, a)

    def chrome_strings(self, v):
        ch = self.ch
        return [ch["clock_date"], ch["clock_time"], ch["breaking_label"], ch["most_read_label"],
                ch["share_label"], ch["newsletter_title"], ch["newsletter_text"], ch["follow_label"],
                ch["footer"], ch["ad_label"]] + list(ch["ticker"]) + list(ch["share_labels"])

    def layout(self, title: str, main: str, head: str = "", body_class: str = "") -> str:
        ch = self.ch
        menu = "\n".join(f'<li><a href="{esc(self.url(self.section_path(s, 1)))}">{esc(n)}</a></li>'
                         for s, n in self.d.sections.items())
        ticker = "\n".join(f"<li><a href=\"{self.base}/\">{esc(t)}</a></li>" for t in ch["ticker"])
        most_read = "\n".join(f'<li><a href="{esc(v.url)}">{esc(v.title)}</a></li>' for v in self.most_read())
        return fill(SITE, "layout.html", page_title=esc(title), head=head, base=self.base,
                    site_name=esc(self.d.name), body_class=body_class,
                    clock_date=esc(ch["clock_date"]), clock_time=esc(ch["clock_time"]),
                    ad_label=esc(ch["ad_label"]), menu=menu, breaking_label=esc(ch["breaking_label"]),
                    ticker=ticker, main=main, most_read_label=esc(ch["most_read_label"]),
                    most_read=most_read, newsletter_title=esc(ch["newsletter_title"]),
                    newsletter_text=esc(ch["newsletter_text"]), follow_label=esc(ch["follow_label"]),
                    footer=esc(ch["footer"]))

    def most_read(self) -> list[ArticleView]:
        # A fixed, not date-ordered pick: most-read lists favour older hits.
        clean = [v for v in self.views if not v.a.quirk]
        return clean[1::2][:5]

    def read_also_html(self, target: ArticleView) -> str:
        return (f'<p class="readAlso"><strong>{esc(self.ch["read_also"])}</strong> '
                f'<a href="{esc(target.url)}">{esc(target.title)}</a></p>')

    def render_article(self, v: ArticleView, body_html: str, head: str) -> str:
        a, ch = v.a, self.ch
        updated = ""
        if a.modified:
            updated = f'<span class="lastUpdate">{esc(ch["updated"])} {esc(self.dateline_of(a.modified, a))}</span>'
        share = " ".join(f'<a class="share-{i}" href="#" rel="nofollow">{esc(s)}</a>'
                         for i, s in enumerate(ch["share_labels"]))
        tags = " ".join(f'<a href="{self.base}/tags/{quote(t)}">{esc(t)}</a>' for t in a.tags)
        main = fill(SITE, "article.html", story_id=self.story_id(a), base=self.base,
                    section_url=esc(self.url(self.section_path(a.section, 1))),
                    section_name=esc(self.d.sections[a.section]), title=esc(v.title),
                    written_by=esc(f"{ch['written_by']} {a.author or ch['default_author']}"),
                    dateline=esc(self.dateline(a)), updated_line=updated,
                    share_label=esc(ch["share_label"]), share_links=share,
                    image=esc(self.image_url(a)), caption=esc(v.title), ad_label=esc(ch["ad_label"]),
                    body=body_html, tags_label=esc(ch["tags_label"]), tag_links=tags, url=esc(v.url))
        return self.layout(f"{v.title} - {self.d.name}", main, head, "articlePage")

    def render_listing(self, heading: str, items: list[dict], nav: str, kind: str, head: str = "") -> str:
        rows = "\n".join(fill(SITE, "listing_item.html", url=esc(i["url"]), title=esc(i["title"]),
                              image=esc(self.url("/Content/images/thumb.jpg")),
                              dateline=esc(self.dateline_of(i["date"], None)), excerpt=esc(i["excerpt"]))
                         for i in items)
        main = fill(SITE, "listing.html", heading=esc(heading), items=rows, nav=nav)
        return self.layout(f"{heading} - {self.d.name}", main, head, body_class=f"{kind}Page")

    def pager_html(self, slug: str, page_no: int, pages: int) -> str:
        links = []
        for n in range(1, pages + 1):
            active = ' class="active"' if n == page_no else ""
            links.append(f'<a href="{esc(self.url(self.section_path(slug, n)))}"{active}>{n}</a>')
        return " ".join(links)

    def render_special(self, p: Page, url: str) -> str:
        ch = self.ch
        if p.behaviour == "video_only":
            main = fill(SITE, "video.html", title=esc(p.title), dateline=esc(self.dateline_of(p.date, None)))
            return self.layout(f"{p.title} - {self.d.name}", main,
                               f'<link rel="canonical" href="{esc(url)}">\n<meta property="og:type" content="video.other">',
                               "videoPage")
        if p.behaviour == "soft_404":
            main = fill(SITE, "message.html", heading=esc(ch["not_found_title"]),
                        message=esc(ch["not_found_text"]), base=self.base)
            return self.layout(ch["not_found_title"], main, body_class="errorPage")
        fake = Article(site=SITE, index=90 + len(p.slug), slug=p.slug, section=p.section,
                       title=p.title or "", paragraphs=p.paragraphs, published=p.date)
        v = ArticleView(fake, url, fake.title, fake.paragraphs)
        return self.render_article(v, self.body_html(v), self.head_meta(v, url))

    def render_not_found(self) -> str:
        ch = self.ch
        main = fill(SITE, "message.html", heading=esc(ch["not_found_title"]),
                    message=esc(ch["not_found_text"]), base=self.base)
        return self.layout(ch["not_found_title"], main, body_class="errorPage")

    def feed(self) -> str:
        entries = []
        for v in self.latest(20):
            a = v.a
            updated = iso_local(a.modified or a.published)
            entries.append(
                "<entry>\n"
                f"<title>{xml_escape(v.title)}</title>\n"
                f'<link rel="alternate" type="text/html" href="{xml_escape(self.feed_link(v))}"/>\n'
                f"<id>tag:{self.base.split('//')[1]},{a.published:%Y-%m-%d}:story/{self.story_id(a)}</id>\n"
                f"<published>{iso_local(a.published)}</published>\n<updated>{updated}</updated>\n"
                f"<author><name>{xml_escape(a.author or self.ch['default_author'])}</name></author>\n"
                f'<category term="{xml_escape(self.d.sections[a.section])}"/>\n'
                f'<summary type="text">{xml_escape(self.description(v))}</summary>\n'
                "</entry>")
        last = iso_local(self.latest(1)[0].a.published)
        return ('<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="ar">\n'
                f"<title>{xml_escape(self.d.name)}</title>\n<subtitle>{xml_escape(self.d.tagline)}</subtitle>\n"
                f'<link rel="self" href="{self.url(self.feed_path())}"/>\n<link rel="alternate" href="{self.base}/"/>\n'
                f"<id>{self.base}/</id>\n<updated>{last}</updated>\n"
                + "\n".join(entries) + "\n</feed>\n")
