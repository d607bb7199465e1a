"""Page metadata from cheap XPath lookups: JSON-LD, OpenGraph/meta tags, link rels.

Read from the untouched tree, before any cleaning, so widgets removed later (tags
lists, bylines in headers) still count here.
"""
from __future__ import annotations

import html as html_lib
import json
import re
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml import html as lxml_html

from pipelines.arabic import fold_text
from pipelines.urls import same_site

_TITLE_SEPARATORS_RE = re.compile(r"\s+[|\-–—:•·»«~/]+\s+|\s*[|•·»«]\s*")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def norm(text: str | None) -> str:
    """Text on one line with single spaces; letters, tatweel and marks kept as written."""
    if not text:
        return ""
    return " ".join(text.split())


def norm_meta(text: str | None) -> str:
    """A metadata string: also undo the double HTML escaping CMSs put in JSON-LD and meta."""
    text = norm(text)
    if "&" in text:
        text = norm(html_lib.unescape(text))
    return text


# Title candidates longer than this are cut before any comparison: the title stage
# never keeps more than 400 characters, and matching a 1 MB <title> against the page's
# lines cost minutes.
MAX_TITLE_SOURCE = 1_000


def _bounded(text: str | None) -> str | None:
    if text and len(text) > MAX_TITLE_SOURCE:
        return text[:MAX_TITLE_SOURCE]
    return text


def _json_loads(text: str) -> Any:
    text = _CONTROL_RE.sub(" ", text).strip()
    if text.startswith("<!--"):
        text = text[4:]
    if text.endswith("-->"):
        text = text[:-3]
    text = text.strip().rstrip(";")
    try:
        return json.loads(text)
    except RecursionError:
        # Nested deeper than the interpreter allows (~1,000 levels): no CMS writes that;
        # the block is ignored, the page is not lost to it.
        return None
    except ValueError:
        # CMSs emit raw newlines inside strings and trailing commas.
        fixed = re.sub(r",\s*([}\]])", r"\1", text.replace("\n", " ").replace("\r", " "))
        try:
            return json.loads(fixed)
        except (ValueError, RecursionError):
            return None


def _walk(node: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    if depth > 6:
        return
    if isinstance(node, list):
        for item in node:
            yield from _walk(item, depth + 1)
    elif isinstance(node, dict):
        yield node
        for key in ("@graph", "mainEntity", "itemListElement"):
            if key in node:
                yield from _walk(node[key], depth + 1)


def _types(obj: dict[str, Any]) -> list[str]:
    t = obj.get("@type")
    if isinstance(t, str):
        return [t]
    if isinstance(t, list):
        return [x for x in t if isinstance(x, str)]
    return []


def jsonld_objects(tree: lxml_html.HtmlElement) -> list[dict[str, Any]]:
    """Every JSON-LD object on the page, @graph members flattened."""
    out: list[dict[str, Any]] = []
    for script in tree.xpath('//script[contains(translate(@type,"LDJSON","ldjson"),"ld+json")]'):
        data = _json_loads(script.text or "")
        if data is not None:
            out.extend(_walk(data))
    return out


# How deep a name, URL or keyword list is looked for inside JSON-LD values: real ones
# sit one or two levels down; a hostile page nests hundreds.
_MAX_VALUE_DEPTH = 8


def _name(value: Any, depth: int = 0) -> str:
    if depth > _MAX_VALUE_DEPTH:
        return ""
    if isinstance(value, str):
        return norm_meta(value)
    if isinstance(value, dict):
        return _name(value.get("name") or value.get("headline") or "", depth + 1)
    if isinstance(value, list) and value:
        return _name(value[0], depth + 1)
    return ""


def _names(value: Any, depth: int = 0) -> list[str]:
    if isinstance(value, list) and depth <= _MAX_VALUE_DEPTH:
        return [n for v in value for n in _names(v, depth + 1)]
    n = _name(value, depth)
    return [n] if n else []


def _url_of(value: Any, depth: int = 0) -> str | None:
    if depth > _MAX_VALUE_DEPTH:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, dict):
        return _url_of(value.get("url") or value.get("@id") or value.get("contentUrl"), depth + 1)
    if isinstance(value, list) and value:
        return _url_of(value[0], depth + 1)
    return None


def _strings(value: Any, depth: int = 0) -> list[str]:
    if isinstance(value, str):
        return [norm_meta(v) for v in re.split(r"[,،;]", value) if norm(v)]
    if isinstance(value, list) and depth <= _MAX_VALUE_DEPTH:
        return [s for v in value for s in _strings(v, depth + 1)]
    return []


def _first_meta(tree: lxml_html.HtmlElement, *keys: str) -> str | None:
    """The first of ``_meta``, or None."""
    found = _meta(tree, *keys)
    return found[0] if found else None


def _meta(tree: lxml_html.HtmlElement, *keys: str) -> list[str]:
    """Content of <meta property|name|itemprop=key>, in document order."""
    wanted = {k.lower() for k in keys}
    found = []
    for meta in tree.iter("meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").strip().lower()
        if key in wanted:
            content = norm_meta(meta.get("content"))
            if content:
                found.append(content)
    return found


def _dedupe(items: list[str], limit: int = 30) -> list[str]:
    seen: set[str] = set()
    out = []
    for item in items:
        key = fold_text(item)
        if item and key not in seen and len(item) <= 120:
            seen.add(key)
            out.append(item)
    return out[:limit]


_BYLINE_PREFIX_RE = re.compile(r"^(?:بقلم|كتبت|كتبه|كتب|إعداد|اعداد|تحرير|written by|by)\s*[:：\-–/]?\s*", re.I)
_BYLINE_XPATH = ('//body//*[contains(@class,"author") or contains(@class,"byline") or contains(@class,"writer")'
                 ' or contains(@id,"author") or contains(@id,"byline")]'
                 ' | //body//*[starts-with(normalize-space(text()),"كتب")'
                 ' or starts-with(normalize-space(text()),"بقلم")]')


def _byline_names(tree: lxml_html.HtmlElement) -> list[str]:
    """Names from visible bylines («كتب: فلان», class="author") when metadata has none."""
    names = []
    for el in tree.xpath(_BYLINE_XPATH)[:8]:
        text = norm(el.text_content())
        if not text or len(text) > 80:
            continue
        name = _BYLINE_PREFIX_RE.sub("", text).strip(" :：-–/")
        # A name has no digits and few words; «كتب التاريخ فصلا جديدا» is a sentence.
        if name and name != text or el.get("class") or el.get("id"):
            if name and not any(c.isdigit() for c in name) and len(name.split()) <= 5:
                names.append(name)
    return names


class PageMeta:
    """Structured metadata of one page; each attribute None/[] when absent."""

    def __init__(self, tree: lxml_html.HtmlElement, url: str | None,
                 article_types: frozenset[str], site_hosts: Sequence[str] = ()) -> None:
        # What the extraction changed or ignored on the page (stored in ``sanitised``).
        self.flags: set[str] = set()
        objs = jsonld_objects(tree)
        arts = [o for o in objs if any(t.lower() in article_types for t in _types(o))]
        self.jsonld_types = [t for o in objs for t in _types(o)]
        self.jsonld_article = arts[0] if arts else None
        art = self.jsonld_article or {}
        self.url = url
        self.og_type = _first_meta(tree, "og:type")

        self.headline = _bounded(_name(art.get("headline") or art.get("name") or "")) or None
        self.og_title = _bounded(_first_meta(tree, "og:title", "twitter:title"))
        title_el = tree.find(".//title")
        self.html_title = _bounded(norm_meta(title_el.text_content())) if title_el is not None else None
        body = art.get("articleBody")
        self.article_body = body if isinstance(body, str) and body.strip() else None

        publisher = art.get("publisher") or next(
            (o for o in objs if "Organization" in _types(o) or "NewsMediaOrganization" in _types(o)), None)
        self.sitename = (_first_meta(tree, "og:site_name", "application-name", "apple-mobile-web-app-title")
                         or _name(publisher) or None)

        authors = _names(art.get("author"))
        authors += [a for a in _meta(tree, "author", "article:author", "dc.creator", "sailthru.author",
                                     "byl", "parsely-author")
                    if not a.lower().startswith(("http", "www."))]
        if not authors:
            authors += [norm(a.text_content()) for a in tree.xpath(
                '//*[@rel="author" or @itemprop="author"][not(*[@itemprop="name"])]'
                ' | //*[@itemprop="author"]//*[@itemprop="name"]')[:3]]
        if not authors:
            authors = _byline_names(tree)
        self.authors = [a for a in _dedupe(authors, 6) if self._plausible_author(a)]

        canonical = None
        for link in tree.iter("link"):
            if "canonical" in (link.get("rel") or "").lower().split() and link.get("href"):
                canonical = link.get("href").strip()
                break
        canonical = canonical or _first_meta(tree, "og:url") or _url_of(art.get("mainEntityOfPage")) \
            or _url_of(art.get("url"))
        self.canonical_url = self._absolute(canonical)
        # The canonical URL is the article's storage key: a page may only name one on its
        # own site or its source's own hosts, or it could overwrite another site's stored
        # article. One elsewhere is ignored (the fetched URL is the key) and flagged.
        self.canonical_ignored: str | None = None
        own = [self.url] if self.url else []
        own += [f"https://[{h}]/" if ":" in h else f"https://{h}/" for h in site_hosts if h]
        if self.canonical_url and own and not any(same_site(self.canonical_url, u) for u in own):
            self.canonical_ignored, self.canonical_url = self.canonical_url, None
            self.flags.add("canonical_ignored")

        sections = _strings(art.get("articleSection")) + _meta(tree, "article:section", "section",
                                                               "parsely-section", "category")
        self.categories = _dedupe(sections, 10)
        tags = _strings(art.get("keywords")) + _meta(tree, "article:tag", "news_keywords", "parsely-tags")
        tags = [t for v in tags for t in _strings(v)]
        if not tags:
            tags = [t for v in _meta(tree, "keywords") for t in _strings(v)]
        self.tags = _dedupe(tags, 30)

        ld_image = _url_of(art.get("image"))
        if ld_image and "#" in ld_image:
            ld_image = None  # an @id reference, not a picture
        image = _first_meta(tree, "og:image", "og:image:url", "twitter:image", "twitter:image:src") or ld_image
        self.image = self._absolute(image)
        self.description = (_first_meta(tree, "og:description", "description", "twitter:description")
                            or _name(art.get("description") or "") or None)
        self.html_lang = (tree.get("lang") or tree.get("xml:lang") or "").strip().lower() or None
        self.is_amp = tree.get("amp") is not None or tree.get("\u26a1") is not None

    def _plausible_author(self, name: str) -> bool:
        """A person's name, not the site, the developer credit or a dateline."""
        if not 2 <= len(name) <= 80 or name.startswith(("(", "[")) or "@" in name:
            return False
        folded = fold_text(name).replace(" ", "")
        lowered = name.lower()
        if any(w in lowered for w in ("developed", "powered", "designed", "design by", "http", "www.")):
            return False
        site = fold_text(self.sitename or "").replace(" ", "")
        if site and (folded in site or site in folded):
            return False
        host = ""
        if self.url:
            try:
                host = (urlsplit(self.url).hostname or "").lower()
            except ValueError:
                host = ""
        return not (host and len(folded) >= 3 and folded.isascii() and folded in host.replace(".", ""))

    def _absolute(self, href: str | None) -> str | None:
        if not href or href.lower().startswith(("javascript:", "data:", "#")):
            return None
        href = href.strip()
        if self.url:
            try:
                return urljoin(self.url, href)
            except ValueError:
                return href
        return href


def strip_site_name(title: str, sitenames: list[str]) -> str:
    """Remove a «| Site» / «Site - » affix from a title."""
    title = norm(title)
    parts = _TITLE_SEPARATORS_RE.split(title)
    if len(parts) < 2:
        return title
    folded_names = {fold_text(s) for s in sitenames if s}
    keep = [p for p in parts if fold_text(p) not in folded_names]
    if 0 < len(keep) < len(parts):
        # Re-split only at the removed affix, keeping inner separators of the title.
        first, last = parts[0], parts[-1]
        if fold_text(last) in folded_names:
            return norm(title[: title.rfind(last)]).rstrip(" |-–—:•·»«~/")
        if fold_text(first) in folded_names:
            return norm(title[len(first):]).lstrip(" |-–—:•·»«~/")
    # Unknown site name: drop a short trailing segment after a strong separator.
    m = re.match(r"^(.{15,}?)\s+[|–—]\s+(\S.{0,30})$", title) or \
        re.match(r"^(.{15,}?)\s+-\s+(\S(?:\S|\s){0,24})$", title)
    if m and len(m.group(2).split()) <= 4:
        return m.group(1).strip()
    return title


def site_affix(page_title: str | None, title: str | None) -> str | None:
    """The site name a <title> carries around the article title («المدينة نيوز - ...»)."""
    if not page_title or not title:
        return None
    page_title, title = norm(page_title), norm(title)
    at = page_title.find(title)
    if at < 0:
        return None
    rest = (page_title[:at] + " " + page_title[at + len(title):]).strip(" |-–—:•·»«~/")
    rest = norm(rest)
    if rest and len(rest.split()) <= 5 and not _TITLE_SEPARATORS_RE.search(rest):
        return rest
    return None
