"""Finding article URLs: feeds, sitemaps (plain, index and Google News) and section pages.

Plain functions over bytes, no Scrapy, so they can be tested on stored files and reused
by backfill tools. Scrapy's SitemapSpider throws away the news-sitemap fields
(publication date, title, language); Marsad keeps them as hints for the date stage.
"""
from __future__ import annotations

import gzip
import html.entities
import io
import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlparse, urlsplit

from lxml import etree
from lxml import html as lxml_html

from pipelines.extract.parse import cap_attributes_bytes
from pipelines.records import DropReason

_GZIP_MAGIC = b"\x1f\x8b"
# Links that page through a section: rel=next, ?page=N, /page/N/.
_PAGINATION_RE = re.compile(r"([?&](page|paged|p)=\d+|/page/\d+/?$)")
# The sitemap protocol's limit on an uncompressed sitemap (50 MB): read up to it, and a
# larger (or larger once inflated) listing is a too_large drop, not silently cut.
MAX_SITEMAP_BYTES = 50 * 1024 * 1024
# ... and on the URLs one sitemap lists (50,000). A listing of any kind is read up to
# that many entries: past it, the rest is a too_large drop, not minutes of parsing and
# scheduling (a hostile 50 MB sitemap of 600,000 URLs cost 25 s to parse alone).
MAX_LISTING_ENTRIES = 50_000
# Scrapy's URLLENGTH_LIMIT: a longer URL would be filtered silently by its middleware.
MAX_URL_LENGTH = 2083
FETCHABLE_SCHEMES = ("http", "https")


def url_problem(url: str, max_length: int = MAX_URL_LENGTH) -> tuple[DropReason, str] | None:
    """Why ``url`` must not be requested, or None when it is a fetchable http(s) URL.

    Listings are written by the sites, so anything may stand where a URL should: other
    schemes (``file:``, ``mailto:``, ``javascript:``), template placeholders as hosts
    (``http://[link]/``), URLs longer than the downloader accepts."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018  # raises on a port out of range
    except ValueError as exc:
        return DropReason.BAD_URL, f"malformed URL: {exc}"
    scheme = parts.scheme.lower()
    if scheme not in FETCHABLE_SCHEMES:
        shown = scheme or "(none)"
        return DropReason.UNSUPPORTED_SCHEME, f"refused URL scheme {shown!r}: only http(s) is fetched"
    if not host or any(c.isspace() for c in host):
        return DropReason.BAD_URL, "URL without a valid host"
    if max_length and len(url) > max_length:
        return DropReason.BAD_URL, f"URL longer than {max_length} characters ({len(url)})"
    return None


@dataclass
class Rejected:
    """A listing entry that is not a fetchable URL: recorded as a drop, never requested."""

    url: str
    reason: DropReason
    detail: str


@dataclass
class Entry:
    """One URL found by discovery, with whatever the listing said about it."""

    url: str
    via: str  # news_sitemap | sitemap | rss | atom | section
    published: str | None = None
    modified: str | None = None
    title: str | None = None
    language: str | None = None

    def hints(self) -> dict:
        return {"published": self.published, "modified": self.modified, "title": self.title,
                "language": self.language, "via": self.via}


@dataclass
class Listing:
    """What one feed, sitemap or section page yielded."""

    articles: list[Entry] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)  # child sitemaps of an index
    pages: list[str] = field(default_factory=list)  # further listing pages (pagination)
    rejected: list[Rejected] = field(default_factory=list)  # entries that are not fetchable URLs
    # Why the listing itself was not (fully) read, recorded as a drop of the listing:
    # too large, a hostile entity declaration. Entries read before it are still followed.
    failure: tuple[DropReason, str] | None = None
    kind: str = ""  # "feed" when a sitemap URL served a feed

    def full(self) -> bool:
        """True (and the failure noted) once the listing holds MAX_LISTING_ENTRIES entries."""
        if len(self.articles) + len(self.sitemaps) + len(self.pages) < MAX_LISTING_ENTRIES:
            return False
        self.failure = (DropReason.TOO_LARGE, f"the listing has more than {MAX_LISTING_ENTRIES:,} entries "
                                              f"(the sitemap protocol's limit); the first ones are read")
        return True

    def resolve(self, base_url: str, href: str | None) -> str | None:
        """``href`` made absolute against ``base_url``; None when there is none, and None
        with a rejection noted when the result is not a fetchable URL."""
        if not href:
            return None
        href = href.strip()
        try:
            url = urljoin(base_url, href)
        except ValueError as exc:
            self.rejected.append(Rejected(href, DropReason.BAD_URL, f"malformed URL: {exc}"))
            return None
        problem = url_problem(url)
        if problem is not None:
            self.rejected.append(Rejected(url, *problem))
            return None
        return url


def _local(tag: object) -> str:
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1].lower()


def _until_full(listing: Listing, nodes: Iterable[etree._Element],
                name: str | None = None) -> Iterator[etree._Element]:
    """The nodes (those of local name ``name`` when given) until the listing is full."""
    for node in nodes:
        if listing.full():
            return
        if name is None or _local(node.tag) == name:
            yield node


def _child_text(el: etree._Element, name: str) -> str | None:
    for child in el:
        if _local(child.tag) == name:
            text = (child.text or "").strip()
            return text or None
    return None


def _descendant(el: etree._Element, name: str) -> etree._Element | None:
    for child in el.iter():
        if _local(child.tag) == name:
            return child
    return None


class ListingTooLarge(ValueError):
    """A listing over MAX_SITEMAP_BYTES (once inflated)."""


def maybe_gunzip(body: bytes, limit: int = MAX_SITEMAP_BYTES) -> bytes:
    """Sitemaps are often served as .xml.gz without Content-Encoding. Raises
    ``ListingTooLarge`` past ``limit`` bytes, inflated or not."""
    if body[:2] == _GZIP_MAGIC:
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(body)) as fh:
                body = fh.read(limit + 1)
        except (OSError, EOFError):
            return b""
    if len(body) > limit:
        raise ListingTooLarge(f"listing larger than {limit} bytes uncompressed (the sitemap protocol's limit)")
    return body


_local_parsers = threading.local()


def _xml_parser() -> etree.XMLParser:
    # Listings are parsed in threads (the spider keeps them off the reactor): one parser
    # per thread, as lxml wants.
    parser = getattr(_local_parsers, "xml", None)
    if parser is None:
        parser = _local_parsers.xml = etree.XMLParser(recover=True, resolve_entities=False,
                                                      no_network=True, huge_tree=True)
    return parser


# Feeds and sitemaps use HTML entities (&nbsp;, &hellip;), declared in an internal DTD
# or not at all. libxml2 is never shown a declaration: entities are written out here as
# character references first, so an undeclared one cannot cut a title or a <loc>, and a
# declaration that expands into other entities (billion laughs) expands nothing.
# A feed's DTD declares a few entities; past this size it is not read (and its bounded
# patterns keep a hostile one from costing more than linear time).
MAX_DTD_BYTES = 64 * 1024
_DOCTYPE_RE = re.compile(rb"<!DOCTYPE\b[^\[>]{0,1000}(?:\[(.{0,%d}?)\]\s*)?>" % MAX_DTD_BYTES, re.S)
_ENTITY_DECL_RE = re.compile(
    rb"""<!ENTITY\s+(%\s+)?([^\s"'%&;<>]{1,100})\s+(?:"([^"]{0,2000})"|'([^']{0,2000})'|([^>]{0,2000}))\s*>""")
_ELEMENT_START_RE = re.compile(rb"<[A-Za-z_]")
_XML_PREDEFINED = frozenset({b"amp", b"lt", b"gt", b"quot", b"apos"})
_ENTITY_REF_RE = re.compile(rb"(?s)(<!\[CDATA\[.*?(?:\]\]>|\Z))|&(?!(?:amp|lt|gt|quot|apos);)([A-Za-z_][\w.-]{0,40});")
_CHAR_REF_RE = re.compile(rb"&#(?:x([0-9a-fA-F]{1,6})|([0-9]{1,7}));")


def _char_refs(text: str) -> bytes:
    return "".join(f"&#{ord(c)};" for c in text).encode("ascii")


def _declared_entities(subset: bytes) -> tuple[dict[bytes, bytes], list[str]]:
    """Replacement bytes of the plain internal entities an internal DTD declares, and the
    names of those refused: ones made of other entities, parameter or external ones."""
    entities: dict[bytes, bytes] = {}
    refused: list[str] = []
    for m in _ENTITY_DECL_RE.finditer(subset):
        parameter, name, value = m.group(1), m.group(2), m.group(3) if m.group(3) is not None else m.group(4)
        if parameter or value is None or b"&" in _CHAR_REF_RE.sub(b"", value) or b"%" in value or b"<" in value:
            refused.append(name.decode("latin-1")[:40])
            continue
        # Character references in the value are kept as written: libxml2 reads them.
        entities[name] = value
    return entities, refused


def _write_out_entities(body: bytes, listing: Listing) -> bytes:
    root = _ELEMENT_START_RE.search(body)
    at = body.find(b"<!DOCTYPE", 0, root.start() if root else len(body))  # before the root only
    doctype = _DOCTYPE_RE.match(body, at) if at >= 0 else None
    declared: dict[bytes, bytes] = {}
    if at >= 0 and doctype is None:
        # An internal subset over MAX_DTD_BYTES, or an unterminated one: not read, nothing
        # in it is declared; libxml2 sees the document without it.
        listing.failure = (DropReason.ENTITY_EXPANSION,
                           f"the listing's DTD is over {MAX_DTD_BYTES} bytes or unterminated; not read")
        end = body.find(b"]>", at)
        end = body.find(b">", at) if end < 0 else end + 1
        body = body[:at] + body[end + 1:] if end >= 0 else body[:at]
    if doctype is not None:
        declared, refused = _declared_entities(doctype.group(1) or b"")
        if refused:
            listing.failure = (DropReason.ENTITY_EXPANSION,
                               f"the listing declares entities that expand into other entities or "
                               f"are external ({', '.join(refused[:5])}); they are not expanded, the "
                               f"rest of the listing is read")
        body = body[:doctype.start()] + body[doctype.end():]
    if b"&" not in body:
        return body

    def replace(m: re.Match[bytes]) -> bytes:
        if m.group(1) is not None:
            return m.group(1)  # CDATA: text as written
        name = m.group(2)
        if name in declared:
            return declared[name]
        known = html.entities.html5.get(name.decode("ascii", "replace") + ";")
        return _char_refs(known) if known else b""

    return _ENTITY_REF_RE.sub(replace, body)


def _xml_root(body: bytes, listing: Listing) -> etree._Element | None:
    try:
        body = maybe_gunzip(body).lstrip()
    except ListingTooLarge as exc:
        listing.failure = (DropReason.TOO_LARGE, str(exc))
        return None
    if not body:
        return None
    body = _write_out_entities(body, listing)
    try:
        return etree.fromstring(body, _xml_parser())
    except (etree.XMLSyntaxError, ValueError):
        return None


def parse_sitemap(body: bytes, base_url: str) -> Listing:
    """A sitemap, sitemap index or Google News sitemap."""
    listing = Listing()
    root = _xml_root(body, listing)
    if root is None:
        return listing
    kind = _local(root.tag)
    for node in _until_full(listing, root):
        name = _local(node.tag)
        loc = listing.resolve(base_url, _child_text(node, "loc"))
        if loc is None:
            continue
        if kind == "sitemapindex" or name == "sitemap":
            listing.sitemaps.append(loc)
            continue
        if name != "url":
            continue
        entry = Entry(url=loc, via="sitemap", modified=_child_text(node, "lastmod"))
        news = _descendant(node, "news")
        if news is not None and news is not node:
            entry.via = "news_sitemap"
            entry.published = _child_text(news, "publication_date")
            entry.title = _child_text(news, "title")
            publication = _descendant(news, "publication")
            if publication is not None:
                entry.language = _child_text(publication, "language")
        listing.articles.append(entry)
    return listing


def parse_feed(body: bytes, base_url: str) -> Listing:
    """RSS 2.0, RSS 1.0/RDF or Atom."""
    listing = Listing()
    root = _xml_root(body, listing)
    if root is None:
        return listing
    if _local(root.tag) == "feed":  # Atom
        for node in _until_full(listing, root, "entry"):
            href = None
            for link in node:
                if _local(link.tag) == "link" and link.get("rel", "alternate") == "alternate":
                    href = link.get("href")
                    break
            url = listing.resolve(base_url, href)
            if url is None:
                continue
            listing.articles.append(Entry(
                url=url, via="atom",
                published=_child_text(node, "published") or _child_text(node, "issued"),
                modified=_child_text(node, "updated"),
                title=_child_text(node, "title"),
            ))
        return listing
    for node in _until_full(listing, root.iter(), "item"):
        url = listing.resolve(base_url, _child_text(node, "link") or _child_text(node, "guid"))
        if url is None:
            continue
        listing.articles.append(Entry(
            url=url, via="rss",
            published=_child_text(node, "pubdate") or _child_text(node, "date"),
            title=_child_text(node, "title"),
        ))
    return listing


def parse_section(body: bytes, base_url: str, article_pattern: re.Pattern[str],
                  same_host: bool = True) -> Listing:
    """Article links matching the pattern, and pagination links, from a section page."""
    listing = Listing()
    # libxml2 is quadratic in the attributes of one element: cut them first.
    body, _ = cap_attributes_bytes(body)
    try:
        doc = lxml_html.fromstring(body)
    except (etree.ParserError, ValueError):
        return listing
    host = urlparse(base_url).hostname
    seen: set[str] = set()
    for a in doc.iter("a"):
        if listing.full():
            break
        href = (a.get("href") or "").strip()
        # Navigation and contact links are not entries a section lists: skipped, not drops.
        if not href or href.lower().startswith(("#", "javascript:", "mailto:", "tel:")):
            continue
        try:
            url = urljoin(base_url, href).split("#", 1)[0]
        except ValueError:
            url = href
        if url in seen:
            continue
        seen.add(url)
        problem = url_problem(url)
        if problem is not None:
            if article_pattern.search(url):  # meant as an article: record why it is not fetched
                listing.rejected.append(Rejected(url, *problem))
            continue
        if same_host and urlparse(url).hostname != host:
            continue
        if article_pattern.search(url):
            listing.articles.append(Entry(url=url, via="section"))
        elif "next" in (a.get("rel") or "").split() or _PAGINATION_RE.search(url):
            listing.pages.append(url)
    return listing


def looks_like_feed(body: bytes) -> bool:
    """Tell a feed from a sitemap when a registry lists one where the other was expected."""
    head = body[:2048]
    if head[:2] == _GZIP_MAGIC:
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(body)) as fh:
                head = fh.read(2048)
        except (OSError, EOFError):
            head = b""
    head = head.lower()
    return b"<rss" in head or b"<feed" in head or b"<rdf:rdf" in head
