"""Markup nested deeper than the stages can afford, flattened before it is parsed.

libxml2's HTML parser stops at a nesting depth of 2048 (``huge_tree``): it reports a
fatal ``ERR_RESOURCE_LIMIT`` ("Excessive depth in document") and everything after that
point is lost, so an article wrapped in 3,000 ``<div>`` became an ``empty_body`` drop.
Below that limit a deep chain still costs: work done per element over its text
(``text_content``, ``itertext``) is quadratic in the depth (2,000 empty ``<div>`` around
an article without ``<h1>``: 10 s in the dates stage's title search). No real page nests
anywhere near ``FLAT_DEPTH`` (the evaluation pages: under 60), so ``parse_html`` checks
the parsed tree with ``too_deep`` and, when it is, parses ``flatten_deep(markup)`` instead.

``flatten_deep`` follows the nesting with a stack over the tags (comments and the raw
text of ``<script>``/``<style>`` skipped; void elements, ``/>`` and the implicit end of
a ``<p>``/``<li>``/cell before its sibling understood). Past ``FLAT_DEPTH`` open
elements the tags of wrappers are left out (a block's tag becomes a line break, an
inline one nothing), while the elements that carry an article's structure (paragraphs,
headings, lists, tables, quotes) stay, up to ``MAX_DEPTH``; past it no tag is kept. Text
is never removed. Linear in the length of the markup.
"""
from __future__ import annotations

import re

from lxml import etree

FLAT_DEPTH = 256
MAX_DEPTH = 1024
# True when the tree has an element FLAT_DEPTH levels down (evaluated in libxml2: one
# pass over the elements above that depth, about 0.3 ms on a news page).
_DEEPER = etree.XPath("boolean(/" + "/".join(["*"] * FLAT_DEPTH) + ")")

_TOKEN_RE = re.compile(
    r"<!--.*?(?:-->|\Z)"
    r"|<(script|style|textarea|xmp)\b.*?(?:</\1\s*>|\Z)"
    r"|<(/?)([A-Za-z][^\s/>]*)([^>]*)>",
    re.S | re.I)
_VOID = frozenset("area base basefont br col embed frame hr img input keygen link meta param "
                  "source track wbr".split())
_STRUCTURE = frozenset("p h1 h2 h3 h4 h5 h6 ul ol li dl dt dd table thead tbody tfoot tr td th "
                       "blockquote pre figure figcaption article".split())
_SIBLING_ENDS = frozenset("p li dt dd tr td th option".split())
_INLINE = frozenset("a abbr b bdi bdo big cite code em font i kbd mark q s samp small span "
                    "strike strong sub sup time tt u var".split())
# How far down the stack an end tag looks for its element (a stray end tag is passed on).
_END_LOOKUP = 64


def flatten_deep(markup: str, flat_depth: int = FLAT_DEPTH, max_depth: int = MAX_DEPTH) -> str:
    """``markup`` with its nesting past ``flat_depth`` flattened (see the module)."""
    out: list[str] = []
    stack: list[tuple[str, bool]] = []  # (tag name, its tags were left out)
    kept = 0  # elements of the stack whose tags stay: the depth libxml2 will see
    last = 0
    for match in _TOKEN_RE.finditer(markup):
        name = (match.group(3) or "").lower()
        if not name:
            continue  # a comment or a raw-text element: passed on as it is
        if match.group(2):
            for i in range(len(stack) - 1, max(-1, len(stack) - 1 - _END_LOOKUP), -1):
                if stack[i][0] == name:
                    dropped = stack[i][1]
                    kept -= sum(not d for _, d in stack[i:])
                    del stack[i:]
                    break
            else:
                continue  # an end tag of nothing open: libxml2 ignores it too
        else:
            if name in _VOID or match.group(4).rstrip().endswith("/"):
                continue
            if name in _SIBLING_ENDS and stack and stack[-1][0] == name:
                kept -= not stack.pop()[1]  # <p>a<p>b: the first ends where the second starts
            dropped = kept >= max_depth or (kept >= flat_depth and name not in _STRUCTURE)
            stack.append((name, dropped))
            kept += not dropped
        if dropped:
            out.append(markup[last:match.start()])
            out.append("" if name in _INLINE else "\n")
            last = match.end()
    if not out:
        return markup
    out.append(markup[last:])
    return "".join(out)


def too_deep(root: etree._Element) -> bool:
    """True when ``root``'s document nests ``FLAT_DEPTH`` elements or more."""
    return bool(_DEEPER(root))
