"""Remove widgets from the tree before trafilatura sees it.

Driven by ``data/boilerplate.yaml``: tags, class/id patterns and Arabic phrase lists.
The article itself is protected: nothing that contains its h1, its articleBody
container or a source's body XPath is removed.
"""
from __future__ import annotations

import re

from lxml.html import HtmlElement

from pipelines.arabic import fold_text

from .blocks import link_density, longer_than
from .hidden import hidden_elements
from .lines import is_boilerplate_line, is_list_heading, starts_with_list_heading
from .metadata import norm
from .phrases import Boilerplate, boilerplate

_SPLIT_RE = re.compile(r"\s+")
_TEXT_TAGS = ("p", "div", "li", "span", "h1", "h2", "h3", "h4", "h5", "h6", "td", "strong", "b",
              "font", "a", "section", "label", "dt", "dd", "em", "small", "header", "ul", "time",
              "blockquote", "center")
_SHORT_BLOCK = 90
_BLOCK_CHILDREN = frozenset({"p", "div", "ul", "ol", "table", "blockquote", "section", "article", "h2", "h3",
                             "h4"})
_INLINE_TAGS = frozenset({"a", "span", "strong", "b", "em", "font", "small", "time", "label"})
# A phrase match never removes an element holding this share of the page's text.
_MAX_SHARE_PHRASE = 0.3
# A weak class match (sidebar, header...) never removes this share or more.
_MAX_SHARE_WEAK = 0.5
_MAX_SHARE_STRONG = 0.5
_RUNNING_PARAGRAPH = 100
_POLL_MAX_CHARS = 400
# A table whose text is mostly links is navigation, not data.
_LINK_TABLE_DENSITY = 0.5
# A table cell this long, or nested tables, mark a layout table.
_LAYOUT_CELL_CHARS = 200
# Direct text an element needs before its <br> runs are split into paragraphs.
_BR_TEXT_CHARS = 100


def _drop(el: HtmlElement) -> None:
    if el.getparent() is not None:
        el.drop_tree()  # keeps the tail text, which belongs to the parent


def _attached(el: HtmlElement, root: HtmlElement) -> bool:
    while el is not None:
        if el is root:
            return True
        el = el.getparent()
    return False


def _text_len(el: HtmlElement) -> int:
    return len(norm(el.text_content()))


def protected_nodes(root: HtmlElement, anchors: list[HtmlElement]) -> set[HtmlElement]:
    """The anchors and all their ancestors."""
    keep: set[HtmlElement] = set()
    for el in anchors:
        while el is not None and el not in keep:
            keep.add(el)
            el = el.getparent()
    return keep


def _holds_running_text(el: HtmlElement) -> bool:
    """Two or more long paragraphs that are not links: article text, not a widget."""
    found = 0
    for p in el.iter("p"):
        text = norm(p.text_content())
        if len(text) >= _RUNNING_PARAGRAPH and link_density(p) < 0.2:
            found += 1
            if found >= 2:
                return True
    return False


def _clean_by_markup(root: HtmlElement, body: HtmlElement, keep: set[HtmlElement], total: int) -> None:
    bp = boilerplate()
    for form in list(body.iter("form")):
        if form not in keep and form.xpath('.//textarea | .//input[@type="email"]'):
            if not longer_than(form, _MAX_SHARE_STRONG * total):
                _drop(form)
    # Polls: the block around radio buttons («هل تؤيد...؟ نعم لا»).
    for radio in list(body.xpath('.//input[@type="radio" or @type="checkbox"]')):
        box = None
        for anc in radio.iterancestors("td", "div", "form", "table", "li", "fieldset"):
            if anc in keep or longer_than(anc, _POLL_MAX_CHARS):
                break
            box = anc
        if box is not None:
            _drop(box)
    for el in list(body.iter(*bp.remove_tags)):
        if el not in keep:
            _drop(el)
    # Hidden, off-screen and screen-reader-only text (labels of menus, sidebars, tools).
    for el in hidden_elements(root):
        if el in keep or not _attached(el, root):
            continue
        # Sites hide the rest of an article behind a "read more" toggle: keep that.
        if not _holds_running_text(el):
            _drop(el)
    # Tables of links (legacy sidebars: «آخر الأخبار» with a date per row) are menus.
    for table in list(body.iter("table")):
        if table in keep or len(table.findall(".//tr")) < 2 or table.find(".//table") is not None:
            continue
        if _text_len(table) and link_density(table) >= _LINK_TABLE_DENSITY:
            _drop(table)
    # Top-level headers hold logos, menus and clocks; an article's own header keeps its h1.
    for el in list(body.iter("header")):
        if el not in keep and not el.xpath("ancestor::article"):
            _drop(el)
    # Depth-first walk that skips the subtree of whatever it drops.
    stack = [c for c in reversed(body) if isinstance(c.tag, str)]
    while stack:
        el = stack.pop()
        if el not in keep and (el.get("class") or el.get("id")) and _is_widget(el, bp, total):
            _drop(el)
            continue
        stack.extend(c for c in reversed(el) if isinstance(c.tag, str))


def _is_widget(el: HtmlElement, bp: Boilerplate, total: int) -> bool:
    """Whether the element's class/id marks it as a widget to remove."""
    kinds = {bp.token_kind(t) for t in _SPLIT_RE.split(
        f"{el.get('class') or ''} {el.get('id') or ''}".lower()) if t}
    if "comments" in kinds:
        return True
    if "strong" in kinds:
        return not longer_than(el, _MAX_SHARE_STRONG * total) and not _holds_running_text(el)
    if "weak" in kinds:
        return not longer_than(el, _MAX_SHARE_WEAK * total) and not _holds_running_text(el)
    return False


def _has_direct_text(el: HtmlElement) -> bool:
    if el.text and el.text.strip():
        return True
    return any(child.tail and child.tail.strip() for child in el)


def _inside_running_text(el: HtmlElement, own_len: int) -> bool:
    """An inline element inside a sentence («نشر على <a>فيسبوك</a> أن...»)."""
    parent = el.getparent()
    if parent is None:
        return False
    return longer_than(parent, 2 * own_len + 20)


def _widen(el: HtmlElement, keep: set[HtmlElement], total: int) -> HtmlElement:
    """Climb from a heading to the widget around it: parents made mostly of links."""
    cur = el
    while True:
        parent = cur.getparent()
        if parent is None or parent in keep or parent.tag in ("body", "html"):
            return cur
        if longer_than(parent, min(2500, _MAX_SHARE_PHRASE * total)):
            return cur
        size = _text_len(parent)
        own = _text_len(el)
        links = sum(len(norm(a.text_content())) for a in parent.iter("a"))
        if size and (links + own) / size >= 0.7 and links / size >= 0.3:
            cur = parent
        else:
            return cur


def _drop_link_siblings(el: HtmlElement, keep: set[HtmlElement]) -> None:
    """Remove the link list that follows a list heading."""
    for _ in range(6):
        nxt = el.getnext()
        if nxt is None or nxt in keep or not isinstance(nxt.tag, str):
            return
        text_len = _text_len(nxt)
        if text_len == 0 and nxt.tag in ("br", "hr"):
            el = nxt
            continue
        if nxt.tag in ("ul", "ol") or (text_len and link_density(nxt) >= 0.6):
            _drop(nxt)
        else:
            return


def _clean_by_phrases(root: HtmlElement, body: HtmlElement, keep: set[HtmlElement], total: int) -> None:
    for el in list(body.iter(*_TEXT_TAGS)):
        if el in keep or not _attached(el, root):
            continue
        if not _has_direct_text(el) and el.tag not in ("h2", "h3", "h4", "h5", "h6"):
            continue
        text = norm(el.text_content())
        if not text or len(text) > 700:
            continue
        folded = fold_text(text)
        inline = el.tag in _INLINE_TAGS and _inside_running_text(el, len(text))
        if is_list_heading(folded):
            target = _widen(el, keep, total)
            _drop_link_siblings(target, keep)
            if target is el:
                # «اقرأ أيضاً:» in a <strong> inside a <p> with the link: drop the whole <p>.
                parent = el.getparent()
                if parent is not None and parent not in keep and parent.tag in ("p", "li", "div") \
                        and starts_with_list_heading(fold_text(norm(parent.text_content()))):
                    target = parent
            _drop(target)
        elif inline or (len(text) > _SHORT_BLOCK and any(c.tag in _BLOCK_CHILDREN for c in el)):
            # Inside a sentence, or a container of paragraphs: judged paragraph by paragraph.
            continue
        elif starts_with_list_heading(folded) and el.tag in ("p", "li", "div", "h2", "h3", "h4", "h5",
                                                             "h6", "blockquote", "span", "strong", "b"):
            if link_density(el) > 0 or len(folded) <= 200:
                _drop(el)
        elif is_boilerplate_line(text, folded) and len(text) < _MAX_SHARE_PHRASE * max(total, 1):
            _drop(el)


def _is_layout_table(table: HtmlElement) -> bool:
    """A table used for page layout (legacy sites), not a data table."""
    if table.find(".//table") is not None:
        return True
    for cell in table.iter("td", "th"):
        if len(norm(cell.text_content())) >= _LAYOUT_CELL_CHARS or len(cell.findall(".//br")) >= 2:
            return True
    return False


def _unwrap_layout_tables(body: HtmlElement) -> None:
    """Retag layout tables as divs so their cells read as blocks, not table rows."""
    layout = {t for t in body.iter("table") if _is_layout_table(t)}
    retag = []
    for table in layout:
        for el in table.iter("tbody", "thead", "tfoot", "tr", "td", "th"):
            owner = el.getparent()
            while owner is not None and owner.tag != "table":
                owner = owner.getparent()
            if owner is table:
                retag.append(el)
        retag.append(table)
    for el in retag:
        for attr in ("colspan", "rowspan", "width", "height", "valign", "align", "bgcolor"):
            el.attrib.pop(attr, None)
        el.tag = "div"


def _split_br_runs(body: HtmlElement) -> None:
    """Text separated by <br>s (legacy pages, some CMS editors) becomes <p> paragraphs."""
    for el in list(body.iter("div", "td", "font", "span", "p", "center", "blockquote", "section", "article")):
        brs = [c for c in el if c.tag == "br"]
        if len(brs) < 2:
            continue
        direct = len((el.text or "").strip()) + sum(len((c.tail or "").strip()) for c in el)
        if direct < _BR_TEXT_CHARS:
            continue
        if el.tag in ("font", "span", "p"):
            el.tag = "div"
        paragraphs = []
        current = el.makeelement("p", {})
        current.text = el.text
        el.text = None
        for child in list(el):
            el.remove(child)
            if child.tag == "br":
                paragraphs.append(current)
                current = el.makeelement("p", {})
                current.text = child.tail
            else:
                current.append(child)
        paragraphs.append(current)
        for para in paragraphs:
            if len(para) or (para.text and para.text.strip()):
                el.append(para)


def preclean(root: HtmlElement, anchors: list[HtmlElement]) -> None:
    """Remove boilerplate from ``root`` in place; ``anchors`` (h1, body nodes) are kept."""
    body = root.find("body")
    if body is None:
        body = root
    keep = protected_nodes(root, anchors)
    total = _text_len(body)
    _clean_by_markup(root, body, keep, total)
    _clean_by_phrases(root, body, keep, total)
    _unwrap_layout_tables(body)
    _split_br_runs(body)
