"""Is this page an article? Decides ``is_article`` and ``drop_reason``.

Thresholds (conservative: a real two- or three-sentence brief must pass):
- ``empty_body``: fewer than EMPTY_LETTERS letters of body text.
- ``video_only``: a video player and under VIDEO_MAX_CHARS characters of text.
- ``too_short``: under MIN_ARTICLE_CHARS characters of text (a one-line stub).
- ``soft_404`` / ``challenge_page``: their phrases in the title, h1 or opening text,
  and little text besides (``pages.yaml`` gives the limits).
- ``wrong_language``: the detected language differs from the expected one.
- ``not_article``: listing pages, told by structure: LISTING_TEASERS or more teasers
  (headline link + short summary) and under OWN_TEXT_MIN characters of text outside
  them (one teaser and OWN_TEXT_MIN_LISTING_URL on section/tag/author URLs), or a
  listing schema type (CollectionPage...) without article markup and fewer than
  three long paragraphs.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from lxml.html import HtmlElement

from pipelines.arabic import fold_text

from .blocks import longer_than
from .metadata import PageMeta, norm
from .phrases import page_signals

EMPTY_LETTERS = 20
MIN_ARTICLE_CHARS = 100
VIDEO_MAX_CHARS = 150
LONG_PARAGRAPH_CHARS = 120
# A teaser: a headline link (at least TEASER_TITLE_MIN characters and three words, the
# whole of its block) in a block of at most TEASER_MAX_CHARS and at most
# TEASER_SUMMARY_MAX beyond the headline.
LISTING_TEASERS = 2
TEASER_TITLE_MIN = 20
_BLOCKS = frozenset({"p", "div", "li", "td", "h1", "h2", "h3", "h4", "h5", "h6", "article", "section",
                     "dd", "dt", "blockquote", "body"})
TEASER_MAX_CHARS = 700
TEASER_SUMMARY_MAX = 400
OWN_TEXT_MIN = 120
OWN_TEXT_MIN_LISTING_URL = 400


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
    teaser_text: str = ""
    h1s: list[str] = field(default_factory=list)


def raw_signals(root: HtmlElement, meta: PageMeta, url: str | None) -> RawSignals:
    """Signals of the untouched page (players, schema types, URL shape)."""
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
        try:
            parts = urlsplit(url)
            out.listing_url = bool(sig.listing_url.search(
                parts.path + ("?" + parts.query if parts.query else "")))
        except ValueError:
            out.listing_url = False
    return out


def _letters(text: str) -> str:
    return "".join(c for c in fold_text(text) if c.isalnum())


def _running_paragraphs(el: HtmlElement) -> int:
    return sum(1 for p in el.iter("p") if len(norm(p.text_content())) >= 100 and p.find(".//a") is None)


def teaser_containers(root: HtmlElement, title: str | None = None,
                      title_el: HtmlElement | None = None) -> list[HtmlElement]:
    """Blocks made of one headline link and a short summary: what listings are made of.

    From each headline link (in h2-h5, or heading an <article>) climb while the parent
    still holds no other headline and stays teaser-sized. A link carrying the page's
    own title is the article's permalink, not a teaser.
    """
    heads = []
    seen: set[str] = set()
    own_title = _letters(title) if title else None
    for a in root.iter("a"):
        href = a.get("href")
        if not href or href in seen:
            continue
        text = norm(a.text_content())
        if len(text) < TEASER_TITLE_MIN or len(text.split()) < 3:
            continue
        if own_title and _letters(text) == own_title:
            continue
        block = a.getparent()
        while block is not None and block.tag not in _BLOCKS:
            block = block.getparent()
        # A link inside running text is a citation, not a headline.
        if block is not None and longer_than(block, len(text) / 0.6):
            continue
        seen.add(href)
        heads.append(a)
    below: dict[HtmlElement, int] = {}
    for a in heads:
        for anc in a.iterancestors():
            below[anc] = below.get(anc, 0) + 1
    containers = []
    for a in heads:
        box = a
        limit = min(TEASER_MAX_CHARS, len(norm(a.text_content())) + TEASER_SUMMARY_MAX)
        for anc in a.iterancestors():
            if anc.tag in ("body", "html") or below.get(anc, 0) > 1:
                break
            if longer_than(anc, limit) or _running_paragraphs(anc) >= 2:
                break
            box = anc
        if title_el is not None and (box is title_el or title_el in box.iterdescendants()):
            continue  # the article's own heading block
        containers.append(box)
    return containers


def has_challenge_markup(root: HtmlElement) -> bool:
    """Scripts, forms, ids or classes of a bot-challenge interstitial."""
    sig = page_signals()
    bits = root.xpath("//script/@src | //script/text() | //form/@action | //@id | //@class")
    blob = " ".join(str(b)[:2000] for b in bits[:400])
    return any(m in blob for m in sig.challenge_markup)


def decide(root: HtmlElement, raw: RawSignals, paragraphs: list[str], text_language: str | None,
           expected_language: str | None) -> str | None:
    """The drop reason, or None for an article."""
    sig = page_signals()
    text = "\n".join(paragraphs)
    letters = sum(1 for c in text[:EMPTY_LETTERS * 50] if c.isalpha())
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
    own = [p for p in paragraphs if fold_text(p) not in raw.teaser_text]
    own_chars = sum(len(p) for p in own)
    if raw.teasers >= LISTING_TEASERS and own_chars < OWN_TEXT_MIN:
        return "not_article"
    if raw.teasers and raw.listing_url and own_chars < OWN_TEXT_MIN_LISTING_URL:
        return "not_article"
    long_paras = [p for p in own if len(p) >= LONG_PARAGRAPH_CHARS]
    if raw.listing_markup and len(long_paras) < 3:
        return "not_article"
    return None
