"""The article's title: its h1 when that agrees with the page's metadata, else
JSON-LD headline, og:title or <title> stripped of the site name."""
from __future__ import annotations

import difflib
import functools
import re
from urllib.parse import urlsplit

from lxml.html import HtmlElement

from pipelines.arabic import CACHED_FOLD_CHARS, fold_text

from .metadata import PageMeta, norm, strip_site_name

_WORD_RE = re.compile(r"[^\W_]+")
_SEPARATOR_RE = re.compile(r"\s+(?:[|\-–—•·»«~/]|::)\s+|\s*[|•·»«]\s*|\s*::\s*")
MIN_TITLE = 4
MAX_TITLE = 400


def letters_only(text: str) -> str:
    """Folded text without punctuation: quotes and dashes do not make titles differ."""
    # The page's shape keys every text segment by it, the title checks the same ones.
    if len(text) <= CACHED_FOLD_CHARS:
        return _letters_only_cached(text)
    return " ".join(_WORD_RE.findall(fold_text(text)))


@functools.lru_cache(maxsize=8192)
def _letters_only_cached(text: str) -> str:
    return " ".join(_WORD_RE.findall(fold_text(text)))


def _similar(a: str, b: str) -> bool:
    fa, fb = letters_only(a), letters_only(b)
    if not fa or not fb:
        return False
    short, long_ = sorted((fa, fb), key=len)
    return short in long_ and len(short) >= 0.4 * len(long_)


def _shown_segment(root: HtmlElement, refs: list[str],
                   sitename: str | None) -> tuple[str, HtmlElement] | None:
    """A part of <title>/og:title that the page shows as a block of its own (legacy pages
    set headlines in <b>/<font> rather than <h1>)."""
    segments = {}
    for ref in refs:
        for part in _SEPARATOR_RE.split(ref):
            part = norm(part)
            if len(part) >= 10 and letters_only(part) != letters_only(sitename or ""):
                segments[letters_only(part)] = part
    if not segments:
        return None
    body = root.find("body")
    if body is None:
        return None
    best: tuple[str, HtmlElement] | None = None
    for el in body.iter("b", "strong", "font", "h2", "h3", "td", "div", "span", "p", "center"):
        if not (el.text and el.text.strip()) and not len(el):
            continue
        text = norm(el.text_content())
        if 10 <= len(text) <= MAX_TITLE and letters_only(text) in segments and not el.xpath("ancestor::a"):
            if best is None or len(text) > len(best[0]):
                best = (text, el)
    return best


# A visible line that matches a <title> part this closely (letters only, folded) is
# the headline the title was made from, typos and a «خبر:» label aside.
FUZZY_TITLE_RATIO = 0.85
_LABEL_RE = re.compile(r"^[^:：]{1,25}[:：]\s*")


def _self_link(el: HtmlElement, own_urls: set[str]) -> bool:
    """Inside a link to the page itself (headlines often link to their own article)."""
    links = el.xpath("ancestor-or-self::a")
    if not links:
        return False
    href = (links[-1].get("href") or "").strip()
    return href in ("", "#") or href.rstrip("/") in own_urls


def _fuzzy_shown(root: HtmlElement, refs: list[str], sitename: str | None,
                 own_urls: set[str] | None = None) -> tuple[str, HtmlElement] | None:
    """The visible headline behind a <title> with a long site/section prefix."""
    site = letters_only(sitename or "")
    parts: list[str] = []
    for ref in refs:
        for part in _SEPARATOR_RE.split(ref):
            for variant in (part, _LABEL_RE.sub("", part)):
                key = letters_only(variant)
                if len(key) >= 15 and key != site:
                    parts.append(key)
    if not parts:
        return None
    body = root.find("body")
    if body is None:
        return None
    best: tuple[float, str, HtmlElement] | None = None
    for el in body.iter("h1", "h2", "h3", "h4", "b", "strong", "font", "td", "div", "span", "p", "center",
                        "a"):
        if not (el.text and el.text.strip()):
            continue
        if el.xpath("ancestor-or-self::a") and not _self_link(el, own_urls or set()):
            continue
        text = norm(el.text_content())
        if not 15 <= len(text) <= MAX_TITLE:
            continue
        key = letters_only(text)
        ratio = max(difflib.SequenceMatcher(None, key, part, autojunk=False).ratio() for part in parts)
        if ratio >= FUZZY_TITLE_RATIO and (best is None or ratio > best[0]):
            best = (ratio, text, el)
    return (best[1], best[2]) if best else None


def _own_urls(meta: PageMeta) -> set[str]:
    urls = {u.rstrip("/") for u in (meta.canonical_url, meta.url) if u}
    return urls | {urlsplit(u).path.rstrip("/") for u in urls if urlsplit(u).path.strip("/")}


def choose_title(root: HtmlElement, meta: PageMeta) -> tuple[str | None, HtmlElement | None]:
    """(title, the h1 it came from or None)."""
    names = [n for n in (meta.sitename,) if n]
    refs = [r for r in (meta.headline, meta.og_title, meta.html_title) if r]
    stripped = [strip_site_name(r, names) for r in refs]
    all_h1s = [(norm(h.text_content()), h) for h in root.iter("h1")]
    h1s = [(t, h) for t, h in all_h1s if MIN_TITLE <= len(t) <= MAX_TITLE
           and fold_text(t) != fold_text(meta.sitename or "")]
    for text, h1 in h1s:
        if any(_similar(text, r) for r in stripped):
            return text, h1
    if len(h1s) == 1 and not refs:
        return h1s[0]
    in_article = [(t, h) for t, h in h1s if h.xpath("ancestor::article | ancestor::main")]
    if len(in_article) == 1 and not meta.headline:
        return in_article[0]
    # The longer of the exact and the near match: a short exact one is often the logo
    # showing the site-name part of the title.
    found = [f for f in (_shown_segment(root, refs, meta.sitename),
                         _fuzzy_shown(root, refs, meta.sitename, _own_urls(meta))) if f]
    if found:
        return max(found, key=lambda f: len(f[0]))
    for candidate in stripped:
        if MIN_TITLE <= len(candidate) <= MAX_TITLE:
            return candidate, None
    if h1s:
        return h1s[0]
    # Only over-long candidates (a 1 MB <title>): the first one, cut, and flagged.
    for text, element in [(c, None) for c in stripped] + all_h1s:
        if len(text) > MAX_TITLE:
            meta.flags.add("title_truncated")
            return cut_title(text), element
    return None, None


def cut_title(text: str, limit: int = MAX_TITLE) -> str:
    """``text`` cut to at most ``limit`` characters, at a word boundary when there is one
    in the last fifth, with an ellipsis."""
    text = norm(text)
    if len(text) <= limit:
        return text
    head = text[:limit - 1]
    space = head.rfind(" ")
    if space >= 0.8 * limit:
        head = head[:space]
    return head.rstrip(" |-–—:•·»«~/") + "…"


_EMPHASIS_TAGS = frozenset({"b", "strong", "h2", "h3", "h4", "big"})
_TITLE_CLASS_RE = re.compile(r"title|headline|head|onwan|unwan|3nwan", re.I)
_SENTENCE_END_RE = re.compile(r"[.!؟?]\s*$")


def _emphasised(el: HtmlElement) -> bool:
    if el.tag in _EMPHASIS_TAGS:
        return True
    if el.tag == "font" and (el.get("size") or "").strip().lstrip("+").isdigit():
        return int((el.get("size") or "0").strip().lstrip("+")) >= 4
    return bool(_TITLE_CLASS_RE.search(f"{el.get('class') or ''} {el.get('id') or ''}"))


def visual_headline(root: HtmlElement, first_paragraph: str) -> str | None:
    """The emphasised short line just before the article text, for pages without h1
    or title metadata (legacy layouts set headlines in <font size=5><b>)."""
    from .lines import is_boilerplate_line  # late import: lines imports nothing from here

    probe = norm(first_paragraph)[:40]
    body = root.find("body")
    if not probe or body is None:
        return None
    anchor = None
    for el in body.iter():
        if isinstance(el.tag, str) and el.text and probe[:20] in norm(el.text):
            anchor = el
            break
    if anchor is None:
        return None
    for el in reversed(anchor.xpath("preceding::*")[-40:]):
        if not isinstance(el.tag, str) or el.xpath("ancestor-or-self::a"):
            continue
        text = norm(el.text_content())
        if not (MIN_TITLE * 3 <= len(text) <= 200) or _SENTENCE_END_RE.search(text):
            continue
        if is_boilerplate_line(text):
            continue
        if _emphasised(el) or any(_emphasised(a) for a in el.iterancestors() if a.tag != "body"):
            return text
    return None
