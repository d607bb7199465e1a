"""Image captions: taken out of the tree before extraction, kept in their own field.

A caption is a ``<figcaption>``, an element whose class/id says caption
(``wp-caption-text``, ``image-caption``…), or, in legacy table layouts, the short
link-free text of a small table (or cell) that holds one image and nothing else.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from lxml.html import HtmlElement

from .blocks import longer_than
from .metadata import norm
from .phrases import load

_SPLIT_RE = re.compile(r"\s+")
# How far up from a caption to look for the article text it belongs to.
_CONTEXT_LEVELS = 5


@dataclass(frozen=True)
class CaptionSignals:
    class_id: re.Pattern[str]
    max_chars: int


@functools.cache
def caption_signals() -> CaptionSignals:
    raw = load("hidden")
    return CaptionSignals(re.compile(raw["caption_class_id"]), int(raw["caption_max_chars"]))


@dataclass
class Caption:
    text: str
    context: list[HtmlElement]


def _marked(el: HtmlElement, sig: CaptionSignals) -> bool:
    if el.tag == "figcaption":
        return True
    if el.tag in ("img", "a", "body", "figure", "table", "article", "section", "main"):
        return False
    tokens = _SPLIT_RE.split(f"{el.get('class') or ''} {el.get('id') or ''}".lower())
    return any(t and sig.class_id.search(t) for t in tokens)


def _near_image(el: HtmlElement) -> bool:
    """A caption class counts beside an image: in a figure, or with an image in its parent
    or grandparent (a «caption» class alone may be a site's name for the lead)."""
    if el.xpath("ancestor::figure"):
        return True
    for anc in list(el.iterancestors())[:2]:
        if anc.tag == "body":
            break
        if anc.find(".//img") is not None or anc.find(".//picture") is not None:
            return True
    return False


def _image_table_text(table: HtmlElement, sig: CaptionSignals) -> HtmlElement | None:
    """The caption cell of a legacy «image + one line» table, if the table is one."""
    if len(table.findall(".//img")) != 1 or table.find(".//a") is not None \
            or table.find(".//table") is not None:
        return None
    cells = [c for c in table.iter("td", "th") if norm(c.text_content())]
    if len(cells) != 1 or longer_than(cells[0], sig.max_chars) or cells[0].find(".//img") is not None:
        return None
    return cells[0]


def take_captions(body: HtmlElement, keep: set[HtmlElement]) -> list[Caption]:
    """Remove caption elements from ``body``; their texts with where they stood."""
    sig = caption_signals()
    found: list[tuple[HtmlElement, HtmlElement]] = []  # (element to remove, element with the text)
    for el in body.iter():
        if not isinstance(el.tag, str) or el in keep:
            continue
        if _marked(el, sig) and not el.xpath("ancestor::figcaption"):
            if el.tag == "figcaption" or (not longer_than(el, sig.max_chars) and el.find(".//p") is None
                                          and _near_image(el)):
                found.append((el, el))
        elif el.tag == "table":
            cell = _image_table_text(el, sig)
            if cell is not None:
                found.append((el, cell))
    out: list[Caption] = []
    seen: set[str] = set()
    for target, text_el in found:
        if target.getparent() is None or any(a in {t for t, _ in found} for a in target.iterancestors()):
            continue
        text = norm(text_el.text_content())
        context = list(target.iterancestors())[:_CONTEXT_LEVELS]
        tail = target.tail
        target.drop_tree() if tail and tail.strip() else target.getparent().remove(target)
        if text and len(text) <= sig.max_chars and text not in seen:
            seen.add(text)
            out.append(Caption(text, context))
    return out


def captions_near(captions: list[Caption], paragraphs: list[str]) -> list[str]:
    """Captions that stood in the article: an element around them holds its text."""
    probes = [p[:40] for p in paragraphs if len(p) >= 40][:8]
    if not probes:
        return []
    kept = []
    for cap in captions:
        for anc in cap.context:
            text = norm(anc.text_content())
            if any(p in text for p in probes):
                kept.append(cap.text)
                break
    return kept
