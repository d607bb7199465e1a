"""Is this page an article? Decides ``is_article`` and ``drop_reason``.

Thresholds (conservative: a real two- or three-sentence brief must pass):
- ``empty_body``: fewer than EMPTY_LETTERS letters of body text.
- ``video_only``: a video player and under VIDEO_MAX_CHARS characters of text.
- ``too_short``: under MIN_ARTICLE_CHARS characters of text (a one-line stub).
- ``soft_404`` / ``challenge_page``: their phrases in the title, h1 or opening text,
  and little text besides (``pages.yaml`` gives the limits).
- ``wrong_language``: the detected language differs from the expected one.
- ``not_article``: listing pages, told by the page's shape (``shape.py``): teaser
  units (headline link + lead, in any layout) against the page's own text, no
  dominant text block, section/tag URLs, listing schema types. The detail names
  the signals.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from lxml.html import HtmlElement

from pipelines.arabic import fold_text

from .metadata import PageMeta, norm
from .phrases import page_signals
from .shape import Shape, listing_verdict

EMPTY_LETTERS = 20
MIN_ARTICLE_CHARS = 100
VIDEO_MAX_CHARS = 150
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
    shape: Shape | None = None


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


def has_challenge_markup(root: HtmlElement) -> bool:
    """Scripts, forms, ids or classes of a bot-challenge interstitial."""
    sig = page_signals()
    bits = root.xpath("//script/@src | //script/text() | //form/@action | //@id | //@class")
    blob = " ".join(str(b)[:2000] for b in bits[:400])
    return any(m in blob for m in sig.challenge_markup)


def _letters_up_to(text: str, enough: int) -> int:
    """The letters of ``text``, counted until there are ``enough`` (a page's text is
    long and only a nearly empty one is judged by its count)."""
    count = 0
    for c in text:
        if c.isalpha():
            count += 1
            if count >= enough:
                break
    return count


def decide(root: HtmlElement, raw: RawSignals, paragraphs: list[str], text_language: str | None,
           expected_language: str | None, headline_h1: bool = False) -> tuple[str | None, str]:
    """The drop reason (None for an article) and the signals that decided it."""
    sig = page_signals()
    text = "\n".join(paragraphs)
    letters = _letters_up_to(text[:EMPTY_LETTERS * 50], EMPTY_LETTERS)
    head = fold_text(" ".join([raw.title_text, text[:400]]))
    if len(text) <= sig.challenge_max_chars and (
            sig.challenge.search(head) or (raw.challenge_markup and len(text) < 400)):
        return "challenge_page", f"challenge phrase or markup, {len(text)} chars of text"
    if len(text) <= sig.soft_404_max_chars and sig.soft_404.search(head):
        return "soft_404", f"not-found phrase, {len(text)} chars of text"
    if raw.has_video and len(text) < VIDEO_MAX_CHARS:
        return "video_only", f"video player, {len(text)} chars of text"
    if letters < EMPTY_LETTERS:
        return "empty_body", f"{letters} letters of text"
    if len(text) < MIN_ARTICLE_CHARS:
        return "too_short", f"{len(text)} chars of text"
    if expected_language and text_language and text_language != expected_language.split("-")[0]:
        return "wrong_language", f"language={text_language} expected={expected_language}"
    verdict = listing_verdict(raw.shape or Shape(), paragraphs, raw.listing_url, raw.listing_markup,
                              raw.article_markup and headline_h1)
    return ("not_article" if verdict.listing else None), verdict.detail
