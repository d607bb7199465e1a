"""`maghreb`: a Tunisian news site on a Drupal-7-looking CMS, French-derived month names."""
from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

from .data import Article, Page
from .datelines import iso_local, month_name
from .site_base import ArticleView, SiteBuilder, esc, fill

SITE = "maghreb"


class MaghrebSite(SiteBuilder):
    key = SITE
    article_pattern = r"/ar/article/\d+/[^/]+$"
    default_date_markup = ["meta"]
    extra_headers = {"Server": "nginx", "X-Generator": "Drupal 7 (http://drupal.org)",
                     "X-Drupal-Cache": "HIT"}

    def __init__(self, data, base_url, book):
        super().__init__(data, base_url, book)
        self.ch = data.chrome

    def nid(self, a: Article) -> int:
        return 51020 + a.index * 11

    def article_path(self, a: Article) -> str:
        return f"/ar/article/{self.nid(a)}/{a.slug}"

    def page_path(self, p: Page) -> str:
        nid = 52000 + sum(map(ord, p.slug)) % 997
        return self.private_prefix(p) + f"/ar/article/{nid}/{p.slug}"

    def section_path(self, slug: str, page_no: int) -> str:
        # Drupal pagers count from zero.
        return f"/ar/rubrique/{slug}" + (f"?page={page_no - 1}" if page_no > 1 else "")

    def alias_path(self, a: Article) -> str:
        return f"/node/{self.nid(a)}"

    def old_path(self, a: Article) -> str:
        return f"/ar/content/{a.slug}"

    def feed_path(self) -> str:
        return "/rss.xml"

    def dateline_of(self, dt: datetime, a: Article | None, lead: str) -> str:
        return self.as_printed(f"{lead} {dt.day} {month_name(dt, 'maghrebi')} {dt.year} "
                               f"{self.ch['at_hour']} {dt:%H:%M}", a)

    def dateline(self, a: Article) -> str:
        return self.dateline_of(a.published, a, self.ch["published_on"])

    def chrome_strings(self, v):
        ch = self.ch
        return [ch["today_box"], ch["prayer_times"], ch["popular_label"], ch["weather_label"],
                ch["weather_text"], ch["footer"], ch["share_label"], ch["related_label"],
                ch["comment_add"], ch["comments_title"], ch["your_comment"]] + list(ch["share_labels"])

    def layout(self, title: str, main: str, head: str = "", body_class: str = "") -> str:
        ch = self.ch
        menu = "\n".join(f'<li class="menu-{i}"><a href="{esc(self.url(self.section_path(s, 1)))}">{esc(n)}</a></li>'
                         for i, (s, n) in enumerate(self.d.sections.items()))
        popular = "\n".join(f'<li><a href="{esc(v.url)}">{esc(v.title)}</a></li>'
                            for v in [v for v in self.views if not v.a.quirk][::3][:5])
        return fill(SITE, "layout.html", base=self.base, head=head, page_title=esc(title),
                    body_class=body_class, skip_link=esc(ch["skip_link"]), site_name=esc(self.d.name),
                    tagline=esc(self.d.tagline), today_box=esc(ch["today_box"]),
                    prayer_times=esc(ch["prayer_times"]), menu=menu, main=main,
                    popular_label=esc(ch["popular_label"]), popular=popular,
                    weather_label=esc(ch["weather_label"]), weather_text=esc(ch["weather_text"]),
                    footer=esc(ch["footer"]))

    def render_article(self, v: ArticleView, body_html: str, head: str) -> str:
        a, ch = v.a, self.ch
        rdf = (f' property="dc:date dc:created" content="{iso_local(a.published)}" datatype="xsd:dateTime"'
               if "rdfa" in self.markup(a) else "")
        updated = ""
        if a.modified:
            updated = f'<span class="date-updated">{esc(self.dateline_of(a.modified, a, ch["updated"]))}</span>'
        tags = " ".join(f'<div class="field-item"><a href="{self.base}/ar/tags/{quote(t)}">{esc(t)}</a></div>' for t in a.tags)
        share = " ".join(f'<a href="#" class="share-{i}">{esc(s)}</a>' for i, s in enumerate(ch["share_labels"]))
        related = "\n".join(f'<li><a href="{esc(r.url)}">{esc(r.title)}</a></li>' for r in self.related(v))
        main = fill(SITE, "article.html", nid=self.nid(a), section_url=esc(self.url(self.section_path(a.section, 1))),
                    section_name=esc(self.d.sections[a.section]), title=esc(v.title),
                    author=esc(a.author or ch["default_author"]), rdf_date=rdf,
                    dateline=esc(self.dateline(a)), updated_line=updated, image=esc(self.image_url(a)),
                    body=body_html, tags_label=esc(ch["tags_label"]), tag_links=tags,
                    share_label=esc(ch["share_label"]), share_links=share,
                    related_label=esc(ch["related_label"]), related=related, url=esc(v.url),
                    comment_add=esc(ch["comment_add"]), comments_title=esc(ch["comments_title"]),
                    your_name=esc(ch["your_name"]), your_comment=esc(ch["your_comment"]),
                    send=esc(ch["send"]))
        return self.layout(f"{v.title} | {self.d.name}", main, head,
                           "not-front page-node page-node- page-node-%d node-type-article" % self.nid(a))

    def render_listing(self, heading: str, items: list[dict], nav: str, kind: str, head: str = "") -> str:
        rows = "\n".join(fill(SITE, "listing_item.html", url=esc(i["url"]), title=esc(i["title"]),
                              dateline=esc(self.dateline_of(i["date"], None, self.ch["published_on"])),
                              excerpt=esc(i["excerpt"]))
                         for i in items)
        main = fill(SITE, "listing.html", heading=esc(heading), items=rows, nav=nav)
        return self.layout(f"{heading} | {self.d.name}", main, head, body_class=f"not-front page-taxonomy page-{kind}")

    def pager_html(self, slug: str, page_no: int, pages: int) -> str:
        out = []
        for n in range(1, pages + 1):
            if n == page_no:
                out.append(f'<li class="pager-current">{n}</li>')
            else:
                out.append(f'<li class="pager-item"><a href="{esc(self.url(self.section_path(slug, n)))}">{n}</a></li>')
        return "".join(out)

    def render_special(self, p: Page, url: str) -> str:
        ch = self.ch
        if p.behaviour == "soft_404":
            main = fill(SITE, "message.html", heading=esc(ch["not_found_title"]), message=esc(ch["not_found_text"]))
            return self.layout(ch["not_found_title"], main, body_class="not-front page-404")
        if p.behaviour == "video_only":
            main = (f'<h1 class="title" id="page-title">{esc(p.title)}</h1><div class="field-name-field-video">'
                    '<iframe src="https://www.dailymotion.com/embed/video/x2q8r7k" width="640" height="360" allowfullscreen></iframe></div>')
            return self.layout(p.title or "", main, f'<link rel="canonical" href="{esc(url)}" />', "node-type-video")
        fake = Article(site=SITE, index=90 + len(p.slug), slug=p.slug, section=p.section,
                       title=p.title or "", paragraphs=p.paragraphs, published=p.date, date_markup=["meta"])
        v = ArticleView(fake, url, fake.title, fake.paragraphs)
        html = self.render_article(v, self.body_html(v), self.head_meta(v, url))
        if p.behaviour == "persian":
            # A Persian page on an Arabic site still says lang="ar" in the theme.
            html = html.replace('<div id="node-', '<div lang="fa" id="node-', 1)
        return html

    def render_not_found(self) -> str:
        ch = self.ch
        main = fill(SITE, "message.html", heading=esc(ch["not_found_title"]), message=esc(ch["not_found_text"]))
        return self.layout(ch["not_found_title"], main, body_class="not-front page-404")
