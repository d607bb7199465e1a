"""The article's title: its h1 when that agrees with the page's metadata, else
JSON-LD headline, og:title or <title> stripped of the site name."""
from __future__ import annotations

import re

from lxml.html import HtmlElement

from pipelines.arabic import fold_text

from .metadata import PageMeta, norm, strip_site_name

_WORD_RE = re.compile(r"[^\W_]+")
MIN_TITLE = 4
MAX_TITLE = 400


def letters_only(text: str) -> str:
    """Folded text without punctuation: quotes and dashes do not make titles differ."""
    return " ".join(_WORD_RE.findall(fold_text(text)))


def _similar(a: str, b: str) -> bool:
    fa, fb = letters_only(a), letters_only(b)
    if not fa or not fb:
        return False
    short, long_ = sorted((fa, fb), key=len)
    return short in long_ and len(short) >= 0.4 * len(long_)


def choose_title(root: HtmlElement, meta: PageMeta) -> tuple[str | None, HtmlElement | None]:
    """(title, the h1 it came from or None)."""
    names = [n for n in (meta.sitename,) if n]
    refs = [r for r in (meta.headline, meta.og_title, meta.html_title) if r]
    stripped = [strip_site_name(r, names) for r in refs]
    h1s = [(norm(h.text_content()), h) for h in root.iter("h1")]
    h1s = [(t, h) for t, h in h1s if MIN_TITLE <= len(t) <= MAX_TITLE
           and fold_text(t) != fold_text(meta.sitename or "")]
    for text, h1 in h1s:
        if any(_similar(text, r) for r in stripped):
            return text, h1
    if len(h1s) == 1 and not refs:
        return h1s[0]
    in_article = [(t, h) for t, h in h1s if h.xpath("ancestor::article | ancestor::main")]
    if len(in_article) == 1 and not meta.headline:
        return in_article[0]
    for candidate in stripped:
        if MIN_TITLE <= len(candidate) <= MAX_TITLE:
            return candidate, None
    if h1s:
        return h1s[0]
    return None, None
