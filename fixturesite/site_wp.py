"""`wp`: a WordPress news blog (Jetpack share/likes, related posts, comment form)."""
from __future__ import annotations

from urllib.parse import quote

from .data import Article, Page, seed_chrome
from .datelines import iso_local, month_name, with_hijri
from .site_base import ArticleView, SiteBuilder, esc, fill, sitemap_index, urlset

SITE = "wp"


class WordPressSite(SiteBuilder):
    key = SITE
    article_pattern = r"/\d{4}/\d{2}/\d{2}/[^/]+/$"
    default_date_markup = ["jsonld", "meta", "time"]
    extra_headers = {"Server": "Apache", "X-Powered-By": "PHP/8.1.27"}

    def __init__(self, data, base_url, book):
        super().__init__(data, base_url, book)
        ch = dict(data.chrome)
        if ch.get("widgets_from_seed"):
            # The seed's closing lines are this theme's comment and likes widgets.
            leave, comments, likes = seed_chrome(ch["widgets_from_seed"])[1]
            ch.update(leave_comment=leave, comments_title=comments, likes_text=likes)
        self.ch = ch
        self.d.chrome = ch

    def post_id(self, a: Article) -> int:
        return 4007 + a.index * 13

    def article_path(self, a: Article) -> str:
        return f"/{a.published:%Y/%m/%d}/{a.slug}/"

    def page_path(self, p: Page) -> str:
        return f"{self.private_prefix(p)}/{p.date:%Y/%m/%d}/{p.slug}/"

    def section_path(self, slug: str, page_no: int) -> str:
        return f"/category/{slug}/" + (f"page/{page_no}/" if page_no > 1 else "")

    def alias_path(self, a: Article) -> str:
        return f"/?p={self.post_id(a)}"

    def old_path(self, a: Article) -> str:
        return f"/archives/{self.post_id(a)}"

    def tag_path(self, tag: str) -> str:
        return "/tag/" + quote(tag.replace(" ", "-")).lower() + "/"

    def author_path(self, name: str) -> str:
        return f"/author/{self.ch['authors'][name]}/"

    def sitemap_path(self) -> str:
        return "/sitemap_index.xml"

    def dateline(self, a: Article) -> str:
        text = f"{a.published.day} {month_name(a.published, 'levantine')} {a.published.year}"
        if a.hijri:
            text = with_hijri(text, a.published)
        return self.as_printed(text, a)

    def chrome_strings(self, v):
        ch = self.ch
        return [ch["leave_comment"], ch["comments_title"], ch["likes_text"], ch["share_title"],
                ch["like_title"], ch["like_loading"], ch["related_headline"], ch["email_note"],
                ch["about_text"], ch["footer"], ch["recent_title"]] + list(ch["share_labels"].values())

    # ---- pages ------------------------------------------------------------------------
    def layout(self, title: str, main: str, head: str = "", body_class: str = "", after: str = "") -> str:
        ch = self.ch
        menu = "\n".join(f'<li class="menu-item"><a href="{esc(self.url(self.section_path(s, 1)))}">{esc(n)}</a></li>'
                         for s, n in self.d.sections.items())
        recent = "\n".join(f'<li><a href="{esc(v.url)}">{esc(v.title)}</a></li>' for v in self.latest(5))
        return fill(SITE, "layout.html", page_title=esc(title), head=head, site_name=esc(self.d.name),
                    base=self.base, body_class=body_class, skip_link=esc(ch["skip_link"]),
                    top_menu=ch["top_menu_html"], tagline=esc(self.d.tagline), menu=menu, main=main,
                    recent_title=esc(ch["recent_title"]), recent=recent, categories=menu,
                    about_title=esc(ch["about_title"]), about_text=esc(ch["about_text"]),
                    footer=esc(ch["footer"]), after=after, likes_text_js=esc(ch["likes_text"]))

    def render_article(self, v: ArticleView, body_html: str, head: str) -> str:
        a, ch = v.a, self.ch
        pid = self.post_id(a)
        time_tags = f'<time class="entry-date published" datetime="{iso_local(a.published)}">{esc(self.dateline(a))}</time>'
        updated = ""
        if a.modified:
            time_tags += f'<time class="updated" datetime="{iso_local(a.modified)}">{esc(self.dateline_of(a.modified, a))}</time>'
            updated = f'<span class="last-updated">{esc(ch["updated"])} {esc(self.dateline_of(a.modified, a))}</span>'
        if "time" not in self.markup(a):
            time_tags = f'<span class="entry-date">{esc(self.dateline(a))}</span>'
        share = "\n".join(f'<li class="share-{k}"><a rel="nofollow noopener noreferrer" class="share-{k} sd-button share-icon" href="{esc(v.url)}?share={k}" target="_blank"><span>{esc(label)}</span></a></li>'
                          for k, label in ch["share_labels"].items())
        related = "\n".join(
            f'<div class="jp-relatedposts-post jp-relatedposts-post{i}" data-post-id="{self.post_id(r.a)}" data-post-format="false">'
            f'<h4 class="jp-relatedposts-post-title"><a class="jp-relatedposts-post-a" href="{esc(r.url)}" title="{esc(r.title)}">{esc(r.title)}</a></h4>'
            f'<p class="jp-relatedposts-post-date">{esc(self.dateline(r.a))}</p>'
            f'<p class="jp-relatedposts-post-context">{esc(ch["in_section"])} &quot;{esc(self.d.sections[r.a.section])}&quot;</p></div>'
            for i, r in enumerate(self.related(v)))
        tags = ", ".join(f'<a href="{esc(self.url(self.tag_path(t)))}" rel="tag">{esc(t)}</a>' for t in a.tags)
        nav = ""
        ordered = self.latest()
        pos = ordered.index(v) if v in ordered else len(ordered)
        if pos + 1 < len(ordered):
            prev = ordered[pos + 1]
            nav += f'<div class="nav-previous"><a href="{esc(prev.url)}" rel="prev"><span class="meta-nav">{esc(ch["prev_post"])}</span> {esc(prev.title)}</a></div>'
        author = a.author or ch["default_author"]
        main = fill(SITE, "article.html", post_id=pid, section_slug=a.section,
                    section_url=esc(self.url(self.section_path(a.section, 1))),
                    section_name=esc(self.d.sections[a.section]), title=esc(v.title),
                    posted_on=esc(ch["posted_on"]), url=esc(v.url), time_tags=time_tags,
                    by=esc(ch["by"]), author_url=esc(self.url(self.author_path(author))),
                    author=esc(author), updated_line=updated, image=esc(self.image_url(a)),
                    body=body_html, share_title=esc(ch["share_title"]), share_items=share,
                    host=esc(self.base), like_title=esc(ch["like_title"]),
                    like_button=esc(ch["like_button"]), like_loading=esc(ch["like_loading"]),
                    related_headline=esc(ch["related_headline"]), related_items=related,
                    tags_label=esc(ch["tags_label"]), tag_links=tags, post_nav=nav,
                    leave_comment=esc(ch["leave_comment"]), base=self.base,
                    email_note=esc(ch["email_note"]), submit_label=esc(ch["submit_label"]),
                    comments_title=esc(ch["comments_title"]))
        after = (f'<div id="likes-other-gravatars" class="wpl-new-layout" role="dialog" aria-hidden="true" tabindex="-1">'
                 f'<div class="likes-text"><span>{esc(ch["likes_text"])}</span></div>'
                 f'<ul class="wpl-avatars sd-like-gravatars"></ul></div>')
        return self.layout(f"{v.title} – {self.d.name}", main, head,
                           f"rtl post-template-default single single-post postid-{pid} single-format-standard", after)

    def dateline_of(self, dt, a: Article) -> str:
        return self.as_printed(f"{dt.day} {month_name(dt, 'levantine')} {dt.year}", a)

    def render_listing(self, heading: str, items: list[dict], nav: str, kind: str, head: str = "") -> str:
        rows = "\n".join(fill(SITE, "listing_item.html", url=esc(i["url"]), title=esc(i["title"]),
                              iso=iso_local(i["date"]),
                              dateline=esc(f"{i['date'].day} {month_name(i['date'], 'levantine')} {i['date'].year}"),
                              excerpt=esc(i["excerpt"]), more=esc(self.ch["more"]))
                         for i in items)
        main = fill(SITE, "listing.html", heading=esc(heading), items=rows, nav=nav)
        wp_class = {"section": "archive category", "tag": "archive tag", "author": "archive author",
                    "home": "home blog"}[kind]
        return self.layout(f"{heading} – {self.d.name}", main, head, body_class=f"rtl {wp_class}")

    def render_special(self, p: Page, url: str) -> str:
        ch = self.ch
        if p.behaviour == "video_only":
            main = fill(SITE, "video.html", post_id=9000 + len(p.slug), section_slug=p.section,
                        section_url=esc(self.url(self.section_path(p.section, 1))),
                        section_name=esc(self.d.sections[p.section]), title=esc(p.title),
                        posted_on=esc(ch["posted_on"]), url=esc(url), iso=iso_local(p.date),
                        dateline=esc(f"{p.date.day} {month_name(p.date, 'levantine')} {p.date.year}"))
            return self.layout(f"{p.title} – {self.d.name}", main, f'<link rel="canonical" href="{esc(url)}">',
                               "rtl single single-post single-format-video")
        if p.behaviour == "soft_404":
            main = fill(SITE, "message.html", heading=esc(ch["not_found_title"]),
                        message=esc(ch["not_found_text"]), base=self.base)
            return self.layout(f"{ch['not_found_title']} – {self.d.name}", main, body_class="rtl error404")
        # empty_body, persian, private: the normal article template
        fake = Article(site=SITE, index=90 + len(p.slug), slug=p.slug, section=p.section,
                       title=p.title or "", paragraphs=p.paragraphs, published=p.date)
        v = ArticleView(fake, url, fake.title, fake.paragraphs)
        return self.render_article(v, self.body_html(v), self.head_meta(v, url))

    def render_not_found(self) -> str:
        ch = self.ch
        main = fill(SITE, "message.html", heading=esc(ch["not_found_title"]),
                    message=esc(ch["not_found_text"]), base=self.base)
        return self.layout(f"{ch['not_found_title']} – {self.d.name}", main, body_class="rtl error404")

    # ---- extra listings, sitemaps -----------------------------------------------------
    def build_extra_listings(self) -> None:
        tags = sorted({t for v in self.views for t in v.a.tags})
        for tag in tags:
            items = [i for i in self.listing_items() if i["article"] and tag in i["article"].tags]
            path = self.tag_path(tag)
            self.routes[path] = self.html_response(self.render_listing(f"{self.ch['tag_heading']} {tag}", items, "", "tag", self.listing_head(path)))
            self.entries.append(self.entry(self.url(path), "not_article", "dropped:not_article", notes="tag page"))
        for name, slug in self.ch["authors"].items():
            items = [i for i in self.listing_items() if i["article"] and (i["article"].author or self.ch["default_author"]) == name]
            path = self.author_path(name)
            self.routes[path] = self.html_response(self.render_listing(f"{self.ch['author_heading']} {name}", items, "", "author", self.listing_head(path)))
            self.entries.append(self.entry(self.url(path), "not_article", "dropped:not_article", notes="author page"))

    def sitemap_urls(self):
        out = super().sitemap_urls()
        for v in self.views:
            if "amp" in v.a.variants:
                out.append((self.url(self.amp_path(v.a)), v.a.published))
            if "alias" in v.a.variants:
                out.append((self.url(self.alias_path(v.a)), v.a.published))
        return out

    def sitemaps(self) -> dict[str, str]:
        listing_urls = [(self.url(self.tag_path(t)), None) for t in sorted({t for v in self.views for t in v.a.tags})]
        listing_urls += [(self.url(self.author_path(n)), None) for n in self.ch["authors"]]
        listing_urls += [(self.url(self.section_path(s, 1)), None) for s in self.d.sections]
        posts = [u for u in self.sitemap_urls() if u not in listing_urls]
        return {
            "/sitemap_index.xml": sitemap_index([self.url("/post-sitemap.xml"), self.url("/category-sitemap.xml")]),
            "/post-sitemap.xml": urlset(posts),
            "/category-sitemap.xml": urlset(listing_urls),
        }
