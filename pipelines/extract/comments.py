"""Reader comments under the article in legacy table layouts.

No class names, no «التعليقات» heading to go by: a block of short rows where some rows
are a name with a date stamp («أبو عمر - 28/02/2013 10:14») and the others short lines
(the comments). A block with two or more stamps and only short rows is removed.
"""
from __future__ import annotations

import re

from lxml.html import HtmlElement

from .blocks import longer_than
from .metadata import norm

_DATE = r"(?:\d{1,4}[/.\-]\d{1,2}[/.\-]\d{1,4}(?:\s*[-،,]?\s*\d{1,2}:\d{2}(?::\d{2})?\s*(?:ص|م|am|pm)?)?)"
# «name - date», «name | date», «date - name», «name (date)»: a name of at most six words.
_STAMP_RE = re.compile(
    rf"^(?:[^\d\n]{{2,60}}?\s*[-–—|،,:(]\s*{_DATE}\)?|{_DATE}\s*[-–—|،,:]\s*[^\d\n]{{2,60}})$", re.I)
_DATE_RE = re.compile(_DATE)
ROW_MAX_CHARS = 300
# Blocks longer than this (whole pages, layout tables) are not looked into as one block.
BLOCK_MAX_CHARS = 20000
MIN_STAMPS = 2
_NAME_MAX_WORDS = 6


def is_stamp(text: str) -> bool:
    """A name with a date (and time), the head of a reader comment."""
    text = norm(text)
    if len(text) > 90 or not _STAMP_RE.match(text):
        return False
    name = re.sub(_DATE, " ", text)
    return 0 < len(re.findall(r"[^\W\d_]+", name)) <= _NAME_MAX_WORDS


def _rows(block: HtmlElement) -> list[HtmlElement]:
    if block.tag == "table":
        return [tr for tr in block.iter("tr") if tr.xpath("ancestor::table[1]")[0] is block]
    return [c for c in block if isinstance(c.tag, str)]


def comment_blocks(body: HtmlElement, keep: set[HtmlElement]) -> list[HtmlElement]:
    """Tables and lists made of comment stamps and short lines."""
    found: list[HtmlElement] = []
    for block in body.iter("table", "div", "ul", "ol", "dl", "tbody"):
        if block in keep or len(block) < 2 * MIN_STAMPS and block.tag != "table":
            continue
        # Cheap tests first: a comment block is a few thousand characters with dates in it.
        text = block.text_content()
        if len(text) > BLOCK_MAX_CHARS or not _DATE_RE.search(text):
            continue
        if any(a in found for a in block.iterancestors()):
            continue
        rows = [r for r in _rows(block) if norm(r.text_content())]
        if len(rows) < 2 * MIN_STAMPS or any(longer_than(r, ROW_MAX_CHARS) for r in rows):
            continue
        stamps = 0
        for row in rows:
            # The whole row, one of its cells, or its first line (before a <br>) is the stamp.
            first_br = row.find(".//br")
            first_line = norm("".join(_text_before(row, first_br))) if first_br is not None else ""
            if is_stamp(row.text_content()) or is_stamp(first_line) \
                    or any(is_stamp(c.text_content()) for c in row if isinstance(c.tag, str)):
                stamps += 1
        if stamps >= MIN_STAMPS and stamps * 3 >= len(rows):
            found.append(block)
    return found


def _text_before(row: HtmlElement, stop: HtmlElement) -> list[str]:
    """Text of ``row`` in document order up to the element ``stop``."""
    out = [row.text or ""]
    for el in row.iterdescendants():
        if el is stop:
            break
        out.append(el.text or "")
        if el.tail and stop not in el.iterdescendants():
            out.append(el.tail)
    return out
