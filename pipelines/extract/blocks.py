"""Own text extraction for when trafilatura has nothing, and for XPath overrides.

``paragraphs_of`` turns an element into paragraphs, treating ``<br>`` runs, table cells
and block tags as breaks (legacy table layouts put whole articles in one ``<td>`` or
``<font>`` with ``<br>``s). ``densest_block`` finds the element holding the most
non-link running text.
"""
from __future__ import annotations

from lxml import etree
from lxml.html import HtmlElement

from .metadata import norm

BLOCK_TAGS = frozenset({
    "p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "table", "tr", "td", "th",
    "tbody", "blockquote", "section", "article", "main", "header", "footer", "dd", "dt", "dl",
    "pre", "figure", "figcaption", "center", "form", "fieldset", "address", "hr", "body",
})
# Elements that collect credit for the paragraphs inside them.
CONTAINER_TAGS = frozenset({"div", "td", "article", "section", "main", "body", "blockquote",
                            "center", "th", "dd", "form"})
MIN_PARAGRAPH_CHARS = 2


def paragraphs_of(element: HtmlElement, *, skip_links: bool = False) -> list[str]:
    """Visible paragraphs of an element, split at block tags and ``<br>``."""
    out: list[str] = []
    buf: list[str] = []

    def flush() -> None:
        text = norm("".join(buf))
        buf.clear()
        if len(text) >= MIN_PARAGRAPH_CHARS:
            out.append(text)

    link_depth = 0
    for event, el in etree.iterwalk(element, events=("start", "end")):
        tag = el.tag if isinstance(el.tag, str) else ""
        if event == "start":
            if tag in BLOCK_TAGS or tag == "br":
                flush()
            if tag == "a":
                link_depth += 1
            if el.text and not (skip_links and link_depth):
                buf.append(el.text)
        else:
            if tag == "a":
                link_depth -= 1
            if tag in BLOCK_TAGS:
                flush()
            if el is not element and el.tail:
                buf.append(el.tail)
    flush()
    return out


def longer_than(element: HtmlElement, limit: float) -> bool:
    """Whether the element's visible text exceeds ``limit`` characters; stops reading
    as soon as it does, so asking about a huge container stays cheap."""
    total = 0
    for chunk in element.itertext():
        total += len(" ".join(chunk.split()))
        if total > limit:
            return True
    return False


def _link_chars(element: HtmlElement) -> int:
    return sum(len(norm(a.text_content())) for a in element.iter("a"))


def link_density(element: HtmlElement) -> float:
    total = len(norm(element.text_content()))
    return _link_chars(element) / total if total else 0.0


def densest_block(body: HtmlElement) -> HtmlElement | None:
    """The container with the most non-link text credited to it directly.

    Text in inline elements and paragraphs counts for the nearest container; a
    container's parent gets a third of its credit so that a wrapper holding several
    text blocks can win over each block alone.
    """
    credit: dict[HtmlElement, float] = {}
    in_link: set[HtmlElement] = set()
    for a in body.iter("a"):
        in_link.update(a.iter())

    def container_of(el: HtmlElement) -> HtmlElement | None:
        while el is not None and el.tag not in CONTAINER_TAGS:
            el = el.getparent()
        return el

    for el in body.iter():
        if not isinstance(el.tag, str):
            continue
        chars = 0
        if el.text and el not in in_link:
            chars += len(el.text.strip())
        for child in el:
            if child.tail and el not in in_link:
                chars += len(child.tail.strip())
        if chars < 3:
            continue
        box = container_of(el)
        if box is not None:
            credit[box] = credit.get(box, 0.0) + chars
    if not credit:
        return None
    score = dict(credit)
    for box, value in credit.items():
        parent = container_of(box.getparent()) if box.getparent() is not None else None
        if parent is not None:
            score[parent] = score.get(parent, 0.0) + value / 3
    return max(score, key=lambda box: score[box])
