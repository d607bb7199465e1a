"""The shape of a page: article (one dominant text block) or listing (many short
link-headed blocks of similar form).

Read from the untouched tree, in document order, so that it works in any layout:
headline and lead in one ``<div>``, in two rows of a ``<table>``, or a headline alone in
an ``<li>``. The page is cut into segments at block tags and ``<br>``; a segment that is
essentially one headline-sized link opens a *unit* (a teaser) and the short segments
after it (lead, date, «التفاصيل») belong to that unit until the next headline or a long
segment. Which of the extracted paragraphs are teaser text, link text or the page's own
text is then what decides (``listing_verdict``).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from lxml import etree
from lxml.html import HtmlElement

from pipelines.arabic import fold_text

from .blocks import BLOCK_TAGS
from .lines import starts_with_list_heading
from .metadata import norm
from .title import letters_only as _key

# A headline link: at least this many characters and words, and this share of its segment.
HEAD_MIN_CHARS = 15
HEAD_MIN_WORDS = 3
HEAD_SHARE = 0.6
# A segment after a headline belongs to its teaser while shorter than LEAD_MAX_CHARS and
# while the teaser stays under UNIT_MAX_CHARS (a lead is two or three sentences).
LEAD_MAX_CHARS = 600
UNIT_MAX_CHARS = 1000
LEAD_SEGMENTS = 3
# A short list item («<li>headline <span>10:45</span></li>»), and how many of them, making
# what share of the text, make a page of list items when its title is a placeholder.
LIST_ITEM_MAX_CHARS = 200
LIST_ITEMS = 8
LIST_SHARE = 0.8
_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "head", "title", "select", "option",
                        "textarea", "svg"})


@dataclass
class Segment:
    text: str
    link_chars: int = 0
    head: bool = False
    form: str = ""
    link: HtmlElement | None = None
    in_li: bool = False


@dataclass
class Shape:
    """What the page is made of."""

    units: int = 0
    repeated: int = 0
    link_density: float = 0.0
    unit_text: str = ""
    link_texts: set[str] = field(default_factory=set)
    segments: int = 0
    head_links: list[HtmlElement] = field(default_factory=list)
    head_texts: set[str] = field(default_factory=set)
    li_text: str = ""
    placeholder_title: bool = False


def _form(a: HtmlElement) -> str:
    """The tag and class path just above a headline link: teasers of one list share it."""
    parts = []
    node = a
    for _ in range(3):
        node = node.getparent()
        if node is None:
            break
        parts.append(f"{node.tag}.{(node.get('class') or '').split(' ')[0]}")
    return ">".join(parts)


def segments_of(body: HtmlElement) -> list[Segment]:
    """The visible text of ``body`` in document order, cut at block tags and ``<br>``."""
    out: list[Segment] = []
    buf: list[str] = []
    links: list[tuple[HtmlElement, str]] = []
    skip = 0
    link_depth = 0
    blocks: list[str] = []

    def flush() -> None:
        text = norm("".join(buf))
        buf.clear()
        if not text:
            return  # a link opening a block («<a><div><h3>») heads the block's first segment
        found = list(links)
        links.clear()
        seg = Segment(text=text, link_chars=min(len(text), sum(len(t) for _, t in found)),
                      in_li=bool(blocks) and blocks[-1] == "li")
        if found:
            a, head_text = max(found, key=lambda f: len(f[1]))
            if len(head_text) >= HEAD_MIN_CHARS and len(head_text.split()) >= HEAD_MIN_WORDS \
                    and len(head_text) >= HEAD_SHARE * len(text) \
                    and not starts_with_list_heading(fold_text(text)):
                seg.head, seg.form, seg.link = True, _form(a), a
        out.append(seg)

    for event, el in etree.iterwalk(body, events=("start", "end")):
        tag = el.tag if isinstance(el.tag, str) else ""
        if event == "start":
            if not tag or tag in _SKIP_TAGS:
                skip += 1
                continue
            if skip:
                continue
            if tag in BLOCK_TAGS or tag == "br":
                flush()
            if tag in BLOCK_TAGS:
                blocks.append(tag)
            if tag == "a":
                link_depth += 1
                if link_depth == 1:
                    text = norm(el.text_content())
                    if text:
                        links.append((el, text))
            if el.text:
                buf.append(el.text)
        else:
            if not tag or tag in _SKIP_TAGS:
                skip -= 1
                if not skip and el is not body and el.tail:
                    buf.append(el.tail)
                continue
            if skip:
                continue
            if tag == "a":
                link_depth -= 1
            if tag in BLOCK_TAGS:
                flush()
                if blocks:
                    blocks.pop()
            if el is not body and el.tail:
                buf.append(el.tail)
    flush()
    return out


def page_shape(root: HtmlElement, own_title: str | None = None) -> Shape:
    """Teaser units, their form and the link density of the page's body."""
    body = root.find("body")
    if body is None:
        body = root
    segs = segments_of(body)
    title_key = _key(own_title) if own_title else None
    title_len = len(own_title or "")
    shape = Shape(segments=len(segs))
    total = sum(len(s.text) for s in segs)
    shape.link_density = round(sum(s.link_chars for s in segs) / total, 3) if total else 0.0
    unit_texts: list[str] = []
    li_parts: list[str] = []
    forms: Counter[str] = Counter(s.form for s in segs if s.head)
    current: list[str] | None = None
    size = 0
    for seg in segs:
        if seg.in_li and len(seg.text) <= LIST_ITEM_MAX_CHARS:
            li_parts.append(seg.text)
        if seg.link_chars >= 0.8 * len(seg.text):
            shape.link_texts.add(_key(seg.text))
        is_title = bool(title_key and abs(len(seg.text) - title_len) <= 20 and _key(seg.text) == title_key)
        if seg.head and not is_title:
            if current:
                unit_texts.append(" ".join(current))
            current, size = [seg.text], len(seg.text)
            shape.units += 1
            if seg.link is not None:
                shape.head_links.append(seg.link)
            shape.head_texts.add(_key(seg.text))
            # Only teasers of a repeated form take the short segments after them (lead,
            # date): a lone «اقرأ أيضاً» link in an article must not swallow its paragraphs.
            if forms[seg.form] < 2:
                unit_texts.append(seg.text)
                current = None
            continue
        if current is not None and not is_title and len(current) <= LEAD_SEGMENTS \
                and len(seg.text) <= LEAD_MAX_CHARS and size + len(seg.text) <= UNIT_MAX_CHARS:
            current.append(seg.text)
            size += len(seg.text)
            continue
        if current:
            unit_texts.append(" ".join(current))
        current, size = None, 0
    if current:
        unit_texts.append(" ".join(current))
    shape.repeated = max(forms.values()) if forms else 0
    shape.unit_text = _key("\n".join(unit_texts))
    shape.li_text = _key("\n".join(li_parts))
    return shape


def teaser_boxes(shape: Shape, keep: HtmlElement | None = None) -> list[HtmlElement]:
    """The block around each teaser headline that holds no other headline (and not ``keep``)."""
    below: Counter[HtmlElement] = Counter()
    for a in shape.head_links:
        for anc in a.iterancestors():
            below[anc] += 1
    boxes = []
    for a in shape.head_links:
        box = a
        for anc in a.iterancestors():
            if anc.tag in ("body", "html") or below[anc] > 1 or (keep is not None and (
                    anc is keep or keep in anc.iterdescendants())):
                break
            box = anc
        boxes.append(box)
    return boxes


def own_paragraphs(shape: Shape, paragraphs: list[str]) -> list[str]:
    """The paragraphs that are neither teaser text nor link text of the page."""
    return [p for p in paragraphs
            if (k := _key(p)) and k not in shape.unit_text and k not in shape.link_texts]


# Teaser paragraphs leaked before or after an article's body go when at least this many
# follow one another (one alone may be the article's own lead quoted in a sidebar).
TEASER_RUN = 2


def trim_teaser_runs(shape: Shape, paragraphs: list[str]) -> list[str]:
    """An article's paragraphs without the runs of teasers or menus at either end (a
    related-news block that extraction kept). A run is made of headlines, menu lines
    and leads right after a headline: body paragraphs after a lone «اقرأ أيضاً» link
    are not leads."""
    keys = [_key(p) for p in paragraphs]

    def part_of_run(i: int) -> bool:
        k = keys[i]
        if not k:
            return True
        if k in shape.head_texts or k in shape.link_texts:
            return True
        return k in shape.unit_text and i > 0 and keys[i - 1] in shape.head_texts

    end = len(paragraphs)
    while end > 0 and part_of_run(end - 1):
        end -= 1
    start = 0
    # A leading run starts with a headline or a menu line, never with a lead.
    while start < end and part_of_run(start) and (
            start > 0 or keys[start] in shape.head_texts or keys[start] in shape.link_texts):
        start += 1
    if start < TEASER_RUN:
        start = 0
    if len(paragraphs) - end < TEASER_RUN:
        end = len(paragraphs)
    return paragraphs[start:end]


@dataclass
class Verdict:
    listing: bool
    detail: str


# Listing rules (see ``listing_verdict``).
LISTING_UNITS = 2
OWN_TEXT_MIN = 120
MANY_UNITS = 4
TEASER_SHARE = 0.5
OWN_TEXT_LISTING = 400
DOMINANT_BLOCK = 250
# A front page: many teasers of one form making most of the text; the page's own text
# (an editorial excerpt, an "about us" box) stays under BIG_LISTING_BLOCK in one run.
BIG_LISTING_UNITS = 8
BIG_LISTING_REPEATED = 6
BIG_LISTING_SHARE = 0.75
BIG_LISTING_BLOCK = 600


def listing_verdict(shape: Shape, paragraphs: list[str], listing_url: bool = False,
                    listing_markup: bool = False, article_evidence: bool = False) -> Verdict:
    """Whether the extracted paragraphs are a listing's teasers rather than an article.

    Listing when (1) two or more teasers and under OWN_TEXT_MIN characters of text of the
    page's own; (2) MANY_UNITS or more teasers making TEASER_SHARE of the text, under
    OWN_TEXT_LISTING characters of own text and no run of own paragraphs of DOMINANT_BLOCK
    characters (no single dominant text block), or (2b) BIG_LISTING_UNITS teasers, most of
    one form, making BIG_LISTING_SHARE of the text and no own run of BIG_LISTING_BLOCK;
    both unless the page carries article markup
    and shows its headline in an h1 (``article_evidence``: short paragraphs between
    «اقرأ أيضاً» links look like leads); (3) a section/tag URL with any teaser and
    under OWN_TEXT_LISTING of own text; (3b) a placeholder title («Untitled Document») over a
    text of LIST_ITEMS or more short list items; (4) a listing schema type and fewer than three
    long own paragraphs.
    """
    teaser = links = own = largest = long_own = run = 0
    for para in paragraphs:
        folded = _key(para)
        if folded and folded in shape.unit_text:
            teaser += len(para)
            run = 0
        elif folded in shape.link_texts:
            links += len(para)
        else:
            own += len(para)
            run += len(para)  # an article's body is one run of own paragraphs
            largest = max(largest, run)
            long_own += len(para) >= 120
    items = [p for p in paragraphs if (k := _key(p)) and k in shape.li_text]
    item_chars = sum(len(p) for p in items)
    total = teaser + links + own
    share = round(teaser / total, 2) if total else 0.0
    signals = (f"units={shape.units} repeated_form={shape.repeated} teaser_share={share} "
               f"own_chars={own} largest_own_block={largest} link_density={shape.link_density}"
               f"{' article_markup+h1' if article_evidence else ''}"
               f"{' placeholder_title' if shape.placeholder_title else ''}")
    if shape.units >= LISTING_UNITS and own < OWN_TEXT_MIN:
        return Verdict(True, f"listing (teasers, no own text): {signals}")
    if shape.units >= MANY_UNITS and share >= TEASER_SHARE and own < OWN_TEXT_LISTING \
            and largest < DOMINANT_BLOCK and not article_evidence:
        return Verdict(True, f"listing (repeated headline+lead blocks, no dominant block): {signals}")
    if shape.units >= BIG_LISTING_UNITS and shape.repeated >= BIG_LISTING_REPEATED \
            and share >= BIG_LISTING_SHARE and largest < BIG_LISTING_BLOCK and not article_evidence:
        return Verdict(True, f"listing (front page: many repeated teasers, no dominant block): {signals}")
    if shape.placeholder_title and len(items) >= LIST_ITEMS and total \
            and item_chars >= LIST_SHARE * total and not article_evidence:
        return Verdict(True, "listing (list items under a placeholder title): "
                             f"list_items={len(items)} {signals}")
    if listing_url and shape.units and own < OWN_TEXT_LISTING:
        return Verdict(True, f"listing (section/tag URL with teasers): {signals}")
    if listing_markup and long_own < 3:
        return Verdict(True, f"listing (listing schema type): {signals}")
    return Verdict(False, f"article: {signals}")
