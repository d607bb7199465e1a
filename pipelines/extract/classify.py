"""Is this page an article? Decides ``is_article`` and ``drop_reason``.

Thresholds (conservative: a real two- or three-sentence brief must pass):
- ``empty_body``: fewer than EMPTY_LETTERS letters of body text.
- ``video_only``: a video player and under VIDEO_MAX_CHARS characters of text.
- ``too_short``: under MIN_ARTICLE_CHARS characters of text (a one-line stub).
- ``soft_404`` / ``challenge_page``: their phrases in the title, h1 or opening text,
  and little text besides (``pages.yaml`` gives the limits).
- ``wrong_language``: the detected language differs from the expected one.
- ``not_article``: listing pages, told by structure: a listing schema type or a
  section/tag URL without article markup, or many headline links with no
  paragraph of running text.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from lxml.html import HtmlElement

from pipelines.arabic import fold_text

from .metadata import PageMeta, norm
from .phrases import page_signals

EMPTY_LETTERS = 20
MIN_ARTICLE_CHARS = 100
VIDEO_MAX_CHARS = 150
LONG_PARAGRAPH_CHARS = 120
# Headline links (h2-h4 > a, <article> teasers) that make a page look like a listing.
LISTING_TEASERS = 6


@dataclass
class RawSignals:
    """Read from the untouched tree, before cleaning removes players and widgets."""

    title_text: str = ""
    has_video: bool = False
    challenge_markup: bool = False
    article_markup: bool = False
    listing_markup: bool = False
    listing_url: bool = False
    teasers: int = 0
    h1s: list[str] = field(default_factory=list)


def raw_signals(root: HtmlElement, meta: PageMeta, url: str | None) -> RawSignals:
    sig = page_signals()
    out = RawSignals()
    out.h1s = [norm(h.text_content()) for h in root.iter("h1")][:5]
    out.title_text = " ".join(filter(None, [meta.html_title or "", *out.h1s[:1]]))
    markup_bits = [el.get("src") or el.get("data-src") or el.get("class") or ""
                   for el in root.xpath("//iframe | //video | //amp-youtube | //amp-video | //embed"
                                        " | //*[contains(@class,'video') or contains(@class,'player')]")]
    out.has_video = bool(root.xpath("//video | //amp-video")) or any(
        m in bit for bit in markup_bits for m in sig.video_markup) or \
        (meta.og_type or "").lower().startswith("video") or \
        any(t.lower() == "videoobject" for t in meta.jsonld_types[:1])
    types = {t.lower() for t in meta.jsonld_types}
    out.article_markup = bool(types & sig.article_types) or \
        (meta.og_type or "").lower() in sig.article_types or \
        bool(root.xpath('//meta[@property="article:published_time"] | //*[@itemprop="articleBody"]'))
    out.listing_markup = bool(types & sig.listing_types) and not types & sig.article_types
    if url:
        from urllib.parse import urlsplit
        try:
            parts = urlsplit(url)
            out.listing_url = bool(sig.listing_url.search(
                parts.path + ("?" + parts.query if parts.query else "")))
        except ValueError:
            out.listing_url = False
    return out


def count_teasers(root: HtmlElement) -> int:
    """Headline links left after cleaning: what a section page is made of."""
    links = root.xpath("//h2//a[@href] | //h3//a[@href] | //h4//a[@href] | //article//a[@href][1]")
    return len({a.get("href") for a in links})


def _has_challenge_markup(root: HtmlElement) -> bool:
    sig = page_signals()
    bits = root.xpath("//script/@src | //script/text() | //form/@action | //@id | //@class")
    blob = " ".join(str(b)[:2000] for b in bits[:400])
    return any(m in blob for m in sig.challenge_markup)


def decide(root: HtmlElement, raw: RawSignals, paragraphs: list[str], text_language: str | None,
           expected_language: str | None) -> str | None:
    """The drop reason, or None for an article."""
    sig = page_signals()
    text = "\n".join(paragraphs)
    letters = sum(1 for c in text if c.isalpha())
    head = fold_text(" ".join([raw.title_text, text[:400]]))
    if len(text) <= sig.challenge_max_chars and (
            sig.challenge.search(head) or (raw.challenge_markup and len(text) < 400)):
        return "challenge_page"
    if len(text) <= sig.soft_404_max_chars and sig.soft_404.search(head):
        return "soft_404"
    if raw.has_video and len(text) < VIDEO_MAX_CHARS:
        return "video_only"
    if letters < EMPTY_LETTERS:
        return "empty_body"
    if len(text) < MIN_ARTICLE_CHARS:
        return "too_short"
    if expected_language and text_language and text_language != expected_language.split("-")[0]:
        return "wrong_language"
    long_paras = [p for p in paragraphs if len(p) >= LONG_PARAGRAPH_CHARS]
    if raw.article_markup:
        # Article markup plus at least one paragraph of running text settles it.
        if not long_paras and raw.teasers >= LISTING_TEASERS:
            return "not_article"
        return None
    if raw.listing_markup and len(long_paras) < 3:
        return "not_article"
    if raw.listing_url and len(long_paras) < 3 and raw.teasers >= 3:
        return "not_article"
    if raw.teasers >= LISTING_TEASERS and (len(long_paras) < 2 or raw.teasers > 2 * len(long_paras)) \
            and max((len(p) for p in paragraphs), default=0) < 400:
        return "not_article"
    return None
