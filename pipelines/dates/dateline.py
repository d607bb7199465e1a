"""The visible dateline of an article: date-like texts near the title, nearest first.

Site clocks, tickers, menus, related-article lists, comments and footers are skipped
by where they sit (header/nav/aside/footer outside the article, class/id tokens from
``data/signals.yaml``) and by what they say (a text that names a clock, «التوقيت»).
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from .lexicon import Lexicon, fold

WINDOW = 60          # elements before/after the title that may hold the dateline
MAX_TEXT = 160       # a dateline is short; long texts are paragraphs
PARAGRAPH_TEXT = 70  # a longer <p> is body text: only its opening may be a dateline
HEAD_CHARS = 90      # how much of a paragraph's opening may be a dateline
# Where a dateline opening a paragraph ends: «(رويترز) -», «:», « - » after the date.
_DATELINE_END_RE = re.compile(r"\)\s*[-–—:]|\s[-–—]\s(?=\D)|:\s")
_DIGIT_RE = re.compile(r"\d")
_SPLIT_RE = re.compile(r"[-_]")


def title_element(tree: Any) -> Any:
    """The article's title element: the first non-empty h1; else the element that shows
    the document's <title>/og:title (legacy table layouts have no h1); else a *title* class."""
    heads = [h for h in tree.xpath("//h1") if " ".join(h.itertext()).strip()]
    if len(heads) > 1:
        # Several h1 (a logo, a section name, the headline): the one showing the title,
        # else the first outside header/nav.
        parts = _title_parts(tree)
        for h in heads:
            text = " ".join(" ".join(h.itertext()).split())
            if any(p == text or (p in text and len(p) > len(text) / 2) or (text in p and len(text) > len(p) / 2)
                   for p in parts):
                return h
        for h in heads:
            if not any(a.tag in ("header", "nav") for a in h.iterancestors()):
                return h
    if heads:
        return heads[0]
    shown = _element_showing_title(tree)
    if shown is not None:
        return shown
    heads = tree.xpath("//*[contains(@class, 'title')][self::h2 or self::h3 or self::div]")
    return heads[0] if heads else None


def _title_parts(tree: Any) -> set[str]:
    """The document title split at « - », « | » (site names), long parts only."""
    titles = tree.xpath("//title/text() | //meta[@property='og:title']/@content")
    parts = {p.strip() for t in titles for p in re.split(r"\s[-|–—:]\s", str(t))}
    return {" ".join(p.split()) for p in parts if len(p.strip()) >= 12}


def _element_showing_title(tree: Any) -> Any:
    parts = _title_parts(tree)
    if not parts:
        return None
    for el in tree.iter("h2", "h3", "td", "div", "span", "b", "strong", "font", "p", "a"):
        text = " ".join(" ".join(el.itertext()).split())
        if text and len(text) < 300 and any(p == text or (p in text and len(p) > len(text) / 2) for p in parts):
            if el.tag == "a" and el.getparent() is not None:
                continue  # links with the title are menus and "read also" lists
            return el
    return None


def _class_hit(el: Any, tokens: set[str], multi: list[str]) -> bool:
    values = f"{el.get('class') or ''} {el.get('id') or ''}".lower().split()
    for v in values:
        parts = set(_SPLIT_RE.split(v))
        if parts & tokens or any(t in v for t in multi):
            return True
    return False


def is_skipped(el: Any, title: Any, lx: Lexicon) -> bool:
    """True when ``el`` sits in page chrome or a block of other articles' dates."""
    sig = lx.signals
    tags = set(sig["skip_tags"])
    tokens = {t for t in sig["skip_tokens"] if "-" not in t}
    multi = [t for t in sig["skip_tokens"] if "-" in t]
    title_ancestors = set(title.iterancestors()) if title is not None else set()
    node = el
    while node is not None:
        if not isinstance(node.tag, str):
            return True
        if node in title_ancestors:
            # Everything above the title is shared with the article: stop looking.
            return False
        if node.tag in tags:
            # An <article>'s own header/footer holds its byline and date: not page chrome.
            if not (node.tag in ("header", "footer")
                    and any(a.tag == "article" for a in node.iterancestors())):
                return True
        if _class_hit(node, tokens, multi):
            return True
        node = node.getparent()
    return False


def _own_text(el: Any) -> str:
    text = " ".join(t for t in el.itertext() if t).strip()
    return " ".join(text.split())


def _after_read_also(el: Any, lx: Lexicon) -> bool:
    """True for a date in a «اقرأ أيضاً» link or block (the block's text starts with it)."""
    phrases = lx.read_also
    node = el
    for _ in range(3):
        if node is None:
            return False
        head = fold(" ".join(node.itertext())[:40])
        if any(head.startswith(p) for p in phrases):
            return True
        prev = node.getprevious()
        if prev is not None and any(fold(" ".join(prev.itertext())).strip().startswith(p) for p in phrases):
            return True
        node = node.getparent()
    return False


def _looks_like_date(folded: str, lx: Lexicon) -> bool:
    if not _DIGIT_RE.search(folded):
        return False
    numeric = r"(?<!\d)\d{1,4}\s*[/.\-]\s*\d{1,2}\s*[/.\-]\s*\d{1,4}(?!\d)"
    return bool(lx.month_re.search(folded) or re.search(numeric, folded)
                or re.search(r"(?:منذ|قبل)\s*\d", folded))


def _names_clock(folded: str, lx: Lexicon) -> bool:
    if any(w in folded for w in lx.clock_words):
        return True
    if any(w in folded for w in lx.zone_words):
        return not any(w in folded for w in lx.prefixes)
    return False


def is_header_label(folded: str, lx: Lexicon) -> bool:
    """«اليوم: الأحد 3 آذار 2013»: a label for today's date, then a weekday or a number."""
    for label in lx.clock_labels:
        if folded.startswith(label):
            rest = folded[len(label):].lstrip(" :：-–—،,")
            if rest[:1].isdigit() or lx.weekday_re.match(rest):
                return True
    return False


# The article's container: the nearest ancestor of the title holding this much text.
CONTAINER_CHARS = 400


def article_container(tree: Any, title: Any) -> Any:
    """The element around the title that also holds the article's text, or None."""
    if title is None:
        return None
    for anc in title.iterancestors():
        if anc.tag in ("body", "html"):
            return None
        total = 0
        for chunk in anc.itertext():
            total += len(chunk.strip())
            if total >= CONTAINER_CHARS:
                return anc
    return None


def _content_elements(tree: Any) -> list:
    return [el for el in tree.iter() if isinstance(el.tag, str)
            and el.tag not in ("script", "style", "noscript", "head", "meta", "link", "title")]


def title_distance(tree: Any, title: Any):
    """A function giving each element its distance from the title in document order
    (elements before the title count half a step more, datelines usually follow it)."""
    elements = _content_elements(tree)
    index = {el: i for i, el in enumerate(elements)}
    pos = index.get(title, 0)

    def distance(el: Any) -> float:
        i = index.get(el)
        if i is None:
            return float("inf")
        return abs(i - pos) + (0.5 if i < pos else 0)
    return distance


def dateline_candidates(tree: Any, lx: Lexicon) -> Iterator[str]:
    """Date-like texts near the title, nearest first (those after the title first at
    equal distance, since datelines usually follow the headline)."""
    title = title_element(tree)
    elements = _content_elements(tree)
    if title is not None:
        try:
            pos = elements.index(title)
        except ValueError:
            pos = 0
    else:
        root_body = tree.find(".//body")
        pos = elements.index(root_body) if root_body is not None and root_body in elements else 0
    order = []
    for i, el in enumerate(elements):
        dist = i - pos
        if -WINDOW <= dist <= WINDOW * 2:
            order.append((abs(dist) + (0.5 if dist < 0 else 0), el))
    order.sort(key=lambda p: p[0])
    seen: set[str] = set()
    heads: list[str] = []
    deferred: list[str] = []
    container = article_container(tree, title)
    for _, el in order:
        if el is title or len(el) > 6:
            continue  # containers repeat their children's text; the title is no dateline
        text = _own_text(el)
        if not text or text in seen:
            continue
        seen.add(text)
        if len(text) > MAX_TEXT or (el.tag == "p" and len(text) > PARAGRAPH_TEXT):
            if el.tag == "p" and len(heads) < 3:
                # «القاهرة في 3 مارس 2024 - قال ...»: a dateline opening the first paragraphs.
                heads.append(text[:HEAD_CHARS])
            continue
        folded = fold(text)
        if not _looks_like_date(folded, lx) or _names_clock(folded, lx):
            continue
        if is_skipped(el, title, lx) or _after_read_also(el, lx):
            continue
        if is_header_label(folded, lx) or (container is not None and container not in el.iterancestors()):
            # A header date line, or a date outside the article's container: only when
            # the article has no date of its own.
            deferred.append(text)
            continue
        yield text
    for head in heads:
        for cut in _DATELINE_END_RE.finditer(head):
            if _looks_like_date(fold(head[: cut.start()]), lx):
                yield head[: cut.start()]
                break
    yield from deferred
