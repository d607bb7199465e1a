"""``extract_article``: Marsad's layer around trafilatura for one parsed page."""
from __future__ import annotations

import copy
import logging
import re
from collections.abc import Sequence
from typing import Any

import lxml.etree
import trafilatura
from lxml import html as lxml_html
from lxml.html import HtmlElement

from pipelines.arabic import fold_text

from . import classify
from .blocks import densest_block, link_density, longer_than, paragraphs_of
from .captions import captions_near, take_captions
from .comments import comment_blocks
from .decode import decode_html
from .errors import ExtractionError
from .language import detect_language
from .metadata import PageMeta, norm, site_affix
from .parse import parse_html
from .phrases import page_signals
from .postclean import postclean
from .preclean import preclean, protected_nodes
from .shape import LISTING_UNITS, own_paragraphs, page_shape, teaser_boxes, trim_teaser_runs
from .title import choose_title, visual_headline

EXTRACTOR_VERSION = "marsad-extract/1.0 trafilatura/2.3.1"
# Below this many characters the trafilatura result is "thin" and our own density
# fallback and the JSON-LD articleBody are consulted.
THIN_CHARS = 300
# JSON-LD articleBody replaces the HTML text when the HTML text holds less than this
# share of it.
JSONLD_TAKEOVER = 0.6
# Text of its own (no teaser's) that makes a page judged a listing an article after all,
# when the page has no article markup (a section intro or an "about us" box is shorter).
RESCUE_OWN_CHARS = 400
# A paragraph that is exactly the text of a link this short is navigation residue.
LINK_LINE_MAX_CHARS = 100
_TAG_RE = re.compile(r"<[^>]+>")
_BREAK_RE = re.compile(r"(?:\r?\n|<br\s*/?>|</p>)+", re.I)

log = logging.getLogger(__name__)
logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
logging.getLogger("htmldate").setLevel(logging.CRITICAL)


def _trafilatura_paragraphs(root: HtmlElement, url: str | None) -> list[str]:
    try:
        doc = trafilatura.bare_extraction(
            root, url=url, fast=True, include_comments=False, include_tables=True,
            include_images=False, include_links=False, with_metadata=False, deduplicate=False)
    except Exception:  # trafilatura's own bugs must not lose the page: our fallback runs
        return []
    text = getattr(doc, "text", None)
    if not isinstance(text, str) or not text:
        return []
    return [line for line in text.split("\n") if line.strip()]


def _density_paragraphs(root: HtmlElement) -> list[str]:
    body = root.find("body")
    block = densest_block(body if body is not None else root)
    if block is None:
        return []
    paras = []
    for para in paragraphs_of(block):
        paras.append(para)
    # Drop link-only lines (menus and lists inside the chosen block).
    links = {norm(a.text_content()) for a in block.iter("a")}
    return [p for p in paras if p not in links]


def _link_texts(root: HtmlElement) -> set[str]:
    """Texts of short links: a paragraph that is only one of them is a menu item."""
    texts = set()
    for a in root.iter("a"):
        text = norm(a.text_content())
        if 0 < len(text) <= LINK_LINE_MAX_CHARS:
            texts.add(text)
    return texts


_SEPARATORS_RE = re.compile(r"[\s|\-–—•·»«/:،,.]+")


def _only_links(paragraph: str, links: set[str]) -> bool:
    """A menu row: link texts joined by separators («| الرئيسية - أخبار - مقالات |»)."""
    if len(paragraph) > 300 or "|" not in paragraph and " - " not in paragraph:
        return False
    rest = paragraph
    found = 0
    for text in sorted((t for t in links if t in paragraph), key=len, reverse=True):
        found += rest.count(text)
        rest = rest.replace(text, " ")
    return found >= 2 and not _SEPARATORS_RE.sub("", rest)


def _xpath_nodes(root: HtmlElement, expr: str | None) -> list[HtmlElement]:
    if not expr:
        return []
    try:
        found = root.xpath(expr)
    except (lxml.etree.XPathError, TypeError, ValueError):
        return []
    return [n for n in found if isinstance(n, HtmlElement)] if isinstance(found, list) else []


def _jsonld_paragraphs(body: str | None) -> list[str]:
    if not body:
        return []
    if "<" in body:
        body = _BREAK_RE.sub("\n", body)
        body = _TAG_RE.sub(" ", body)
    import html as html_lib

    body = html_lib.unescape(body)
    return [norm(p) for p in body.split("\n") if norm(p)]


def _lead_paragraph(root: HtmlElement, paragraphs: list[str]) -> str | None:
    """A standfirst kept outside the body container, when the extraction missed it."""
    sig = page_signals()
    body = root.find("body")
    if body is None or not paragraphs:
        return None
    text = fold_text(" ".join(paragraphs))
    leads = []
    for el in body.xpath('.//*[@class or @id or @itemprop="description"]'):
        tokens = f"{el.get('class') or ''} {el.get('id') or ''}".lower().split()
        if el.get("itemprop") != "description" and not any(sig.lead_class.search(t) for t in tokens):
            continue
        if el.tag in ("a", "meta", "img") or el.xpath("ancestor::a"):
            continue
        lead = norm(el.text_content())
        if len(lead) < sig.lead_min_chars or len(lead) > 1200 or link_density(el) > 0.2:
            continue
        if fold_text(lead) in text:
            return None  # already there
        leads.append(lead)
    distinct = {fold_text(lead) for lead in leads}
    return leads[0] if len(distinct) == 1 else None


def _letters(paragraphs: list[str]) -> str:
    return "".join(c for c in fold_text(" ".join(paragraphs)) if c.isalnum())


def _chars(paragraphs: list[str]) -> int:
    return sum(len(p) for p in paragraphs)


def _trim_tail_by(paragraphs: list[str], reference: list[str]) -> list[str]:
    """Drop trailing paragraphs absent from a full reference body (leaked widgets).

    Compared on letters and digits only: quotes, dashes and spaces differ between a
    page's HTML and its JSON-LD copy.
    """
    ref = _letters(reference)
    found = [_letters([p]) in ref for p in paragraphs]
    if sum(found) < max(2, 0.7 * len(paragraphs)):
        return paragraphs  # the reference is not the same body: no cross-check
    end = len(paragraphs)
    while end > 0 and not found[end - 1]:
        end -= 1
    return paragraphs[:end]


def _quality(paragraphs: list[str], method: str, title: str | None, language_ok: bool,
             is_article: bool) -> float:
    chars = _chars(paragraphs)
    score = 0.4 * min(1.0, chars / 1500) + 0.2 * min(1.0, len(paragraphs) / 5)
    score += 0.15 if language_ok else 0.0
    score += 0.1 if title else 0.0
    score += {"trafilatura": 0.15, "xpath": 0.15, "jsonld": 0.12, "density": 0.05}.get(method, 0.0)
    return round(min(1.0, score) * (1.0 if is_article else 0.3), 3)


def _empty_result(reason: str) -> dict[str, Any]:
    return {"title": None, "text": "", "paragraphs": [], "authors": [], "language": None,
            "canonical_url": None, "sitename": None, "categories": [], "tags": [], "image": None,
            "description": None, "is_article": False, "drop_reason": reason, "classifier": None,
            "captions": [], "quality": 0.0,
            "extractor_version": EXTRACTOR_VERSION, "flags": []}


def _to_tree(doc: Any) -> HtmlElement:
    if isinstance(doc, HtmlElement):
        return doc
    if isinstance(doc, (bytes, bytearray, memoryview)):
        text, _ = decode_html(bytes(doc))
        return parse_html(text)
    if isinstance(doc, str):
        return parse_html(doc)
    if isinstance(doc, lxml.etree._Element):
        return lxml_html.fromstring(lxml.etree.tostring(doc, encoding="unicode"))
    raise ExtractionError("unparsable", f"cannot extract from {type(doc).__name__}")


def is_placeholder(title: str | None) -> bool:
    """No <title>, or one an editor left («Untitled Document», «صفحة جديدة»)."""
    key = " ".join(re.findall(r"[^\W_]+", fold_text(title or "").lower()))
    return not key or key in page_signals().placeholder_titles


def _without_teasers(root: HtmlElement, url: str | None, language: str | None,
                     xpaths: dict[str, str] | None, site_hosts: tuple[str, ...] = ()) -> dict[str, Any] | None:
    """The article left when the teaser blocks are set aside, if one is left."""
    meta = PageMeta(root, url, page_signals().article_types)
    title, title_el = choose_title(root, meta)
    for box in teaser_boxes(page_shape(root, title), keep=title_el):
        if box.getparent() is not None:
            box.drop_tree()
    again = _extract(root, url, language, xpaths, rescue=False, site_hosts=site_hosts)
    if not again["is_article"]:
        return None
    again["classifier"] = f"article (teasers set aside): {again['classifier']}"
    return again


def extract_article(doc: str | bytes | HtmlElement, *, url: str | None = None, language: str | None = "ar",
                    xpaths: dict[str, str] | None = None,
                    site_hosts: Sequence[str] = ()) -> dict[str, Any]:
    """Article fields of one page (see the record contract); may mutate ``doc``.
    A declared canonical URL is kept on the page's own site or one of ``site_hosts``
    (the source's own hosts), else ignored and flagged ``canonical_ignored``.

    Raises ``ExtractionError`` only: when ``doc`` cannot be decoded or parsed, and
    (reason ``unparsable``, detail naming the bug) if this layer itself fails, so one
    odd page never stops a crawl.
    """
    root = _to_tree(doc)
    try:
        return _extract(root, url, language, xpaths, site_hosts=tuple(site_hosts))
    except ExtractionError:
        raise
    except Exception as err:  # a bug of ours on an odd page: record it, keep crawling
        log.exception("extraction failed on %s", url)
        raise ExtractionError("unparsable", f"extractor failed: {type(err).__name__}: {err}") from err


def _extract(root: HtmlElement, url: str | None, language: str | None,
             xpaths: dict[str, str] | None, rescue: bool = True,
             site_hosts: tuple[str, ...] = ()) -> dict[str, Any]:
    if root.tag != "html":
        html_el = root.getroottree().getroot()
        root = html_el if isinstance(html_el, HtmlElement) else root
    xpaths = xpaths if isinstance(xpaths, dict) else {}
    sig = page_signals()
    meta = PageMeta(root, url, sig.article_types, site_hosts)
    raw = classify.raw_signals(root, meta, url)
    body_el = root.find("body")
    if body_el is not None and not longer_than(body_el, 2 * sig.challenge_max_chars):
        raw.challenge_markup = classify.has_challenge_markup(root)

    title_nodes = _xpath_nodes(root, xpaths.get("title"))
    title: str | None
    if title_nodes and norm(title_nodes[0].text_content()):
        title, title_el = norm(title_nodes[0].text_content()), title_nodes[0]
    else:
        title, title_el = choose_title(root, meta)
    # Teasers are counted before cleaning: listing markup often looks like widgets.
    raw.shape = page_shape(root, title)
    raw.shape.placeholder_title = is_placeholder(meta.html_title)
    # A copy to extract again without the teasers if this looks like a listing but has
    # an article headline of its own (a brief among many teaser boxes).
    pristine = copy.deepcopy(root) if rescue and title_el is not None \
        and raw.shape.units >= LISTING_UNITS else None
    body_nodes = _xpath_nodes(root, xpaths.get("body"))
    anchors = [n for n in [title_el, *body_nodes] if n is not None]
    anchors += root.xpath('//*[@itemprop="articleBody"]')
    body_root = root.find("body")
    body_root = body_root if body_root is not None else root
    keep = protected_nodes(root, anchors)
    captions = take_captions(body_root, keep)
    for block in comment_blocks(body_root, keep):
        block.drop_tree()
    preclean(root, anchors)

    method = "xpath"
    paragraphs: list[str] = []
    if body_nodes:
        paragraphs = postclean([p for n in body_nodes for p in paragraphs_of(n)], title)
    if not paragraphs:
        method = "trafilatura"
        links = _link_texts(root)
        paragraphs = postclean([p for p in _trafilatura_paragraphs(root, url)
                                if norm(p) not in links and not _only_links(p, links)], title)
        if _chars(paragraphs) < THIN_CHARS:
            dense = postclean(_density_paragraphs(root), title)
            if _chars(dense) > 1.5 * _chars(paragraphs) and _chars(dense) >= 50:
                paragraphs, method = dense, "density"
        if paragraphs:
            lead = _lead_paragraph(root, paragraphs)
            if lead and (cleaned := postclean([lead], title)):
                paragraphs = cleaned + paragraphs
    ld = postclean(_jsonld_paragraphs(meta.article_body), title)
    if ld and _chars(ld) >= 200 and _chars(paragraphs) < JSONLD_TAKEOVER * _chars(ld):
        paragraphs, method = ld, "jsonld"
    elif ld and _chars(ld) >= 200:
        if _letters(ld) == _letters(paragraphs) and len(ld) > len(paragraphs):
            paragraphs, method = ld, "jsonld"  # same text, better paragraph breaks
        else:
            paragraphs = _trim_tail_by(paragraphs, ld)

    if paragraphs and title_el is None and not (meta.headline or meta.og_title or title_nodes):
        title = visual_headline(root, paragraphs[0]) or title
    if not meta.sitename and (guess := site_affix(meta.og_title or meta.html_title, title)):
        meta.sitename = guess
        meta.authors = [a for a in meta.authors if meta._plausible_author(a)]
    text = "\n".join(paragraphs)
    detected = detect_language(text, hint=meta.html_lang)
    reason, decided_by = classify.decide(root, raw, paragraphs, detected, language,
                                         title_el is not None and title_el.tag == "h1")
    if reason == "not_article" and pristine is not None:
        again = _without_teasers(pristine, url, language, xpaths, site_hosts)
        # Only text that was no teaser's headline or lead rescues the page: a brief with
        # article markup, or as much text as a listing never has of its own.
        own = _chars(own_paragraphs(raw.shape, again["paragraphs"])) if again is not None else 0
        if again is not None and (own >= RESCUE_OWN_CHARS or (
                raw.article_markup and own >= classify.MIN_ARTICLE_CHARS)):
            return again
    if reason is None and raw.shape is not None:
        trimmed = trim_teaser_runs(raw.shape, paragraphs)
        if len(trimmed) < len(paragraphs) and _chars(trimmed) >= classify.MIN_ARTICLE_CHARS:
            paragraphs, text = trimmed, "\n".join(trimmed)
    expected = (language or "").split("-")[0] or None
    return {
        "title": title or None,
        "text": text,
        "paragraphs": paragraphs,
        "authors": meta.authors,
        "language": detected,
        "canonical_url": meta.canonical_url,
        "sitename": meta.sitename,
        "categories": meta.categories,
        "tags": meta.tags,
        "image": meta.image,
        "description": meta.description,
        "is_article": reason is None,
        "drop_reason": reason,
        "classifier": decided_by,
        "captions": captions_near(captions, paragraphs) if reason is None else [],
        "quality": _quality(paragraphs, method, title, expected is None or detected == expected,
                            reason is None),
        "extractor_version": EXTRACTOR_VERSION,
        "flags": sorted(meta.flags),
    }
