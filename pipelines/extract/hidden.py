"""Text a reader never sees: hidden, off-screen and screen-reader-only elements.

Three ways a page hides text: a class or id from an accessibility kit (``sr-only``,
``element-invisible``…), an inline style (``display:none``, ``left:-9999px``…) and a
rule of the page's own ``<style>`` for a class of its own. Rules inside ``@media``
blocks hide text only on some screens (``.wide-only`` on phones) and are ignored.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from lxml.html import HtmlElement

from .phrases import load

_SPLIT_RE = re.compile(r"\s+")
_COMMENT_RE = re.compile(r"/\*.*?\*/", re.S)
_RULE_RE = re.compile(r"([^{}]+)\{([^{}]*)\}")
_CLASS_SELECTOR_RE = re.compile(r"^\s*\.([\w-]+)\s*$")


@dataclass(frozen=True)
class HiddenSignals:
    tokens: frozenset[str]
    style: re.Pattern[str]


@functools.cache
def hidden_signals() -> HiddenSignals:
    raw = load("hidden")
    return HiddenSignals(frozenset(t.lower() for t in raw["hidden_tokens"]),
                         re.compile("|".join(f"(?:{p})" for p in raw["hidden_styles"]), re.I))


def _without_media_blocks(css: str) -> str:
    """The stylesheet without its ``@media``/``@supports`` blocks (balanced braces)."""
    out, i = [], 0
    while True:
        j = css.find("@", i)
        if j < 0:
            out.append(css[i:])
            break
        out.append(css[i:j])
        k = css.find("{", j)
        semi = css.find(";", j)
        if k < 0 or (0 <= semi < k):  # @import/@charset: no block
            i = semi + 1 if semi >= 0 else len(css)
            continue
        depth, m = 0, k
        while m < len(css):
            if css[m] == "{":
                depth += 1
            elif css[m] == "}":
                depth -= 1
                if depth == 0:
                    break
            m += 1
        i = m + 1
    return "".join(out)


def hidden_classes(root: HtmlElement) -> set[str]:
    """Classes the page's own stylesheets hide for every screen."""
    sig = hidden_signals()
    found: set[str] = set()
    for style in root.iter("style"):
        css = _without_media_blocks(_COMMENT_RE.sub("", style.text or ""))
        for selectors, body in _RULE_RE.findall(css):
            if not sig.style.search(body.lower()):
                continue
            for selector in selectors.split(","):
                m = _CLASS_SELECTOR_RE.match(selector)
                if m:
                    found.add(m.group(1).lower())
    return found


def is_hidden(el: HtmlElement, page_classes: set[str]) -> bool:
    sig = hidden_signals()
    if el.get("hidden") is not None or el.get("aria-hidden") == "true":
        return True
    style = el.get("style")
    if style and sig.style.search(style.lower()):
        return True
    tokens = {t for t in _SPLIT_RE.split(f"{el.get('class') or ''} {el.get('id') or ''}".lower()) if t}
    return bool(tokens & sig.tokens or tokens & page_classes)


def hidden_elements(root: HtmlElement) -> list[HtmlElement]:
    """Outermost hidden elements of the page's body, in document order."""
    body = root.find("body")
    if body is None:
        body = root
    page_classes = hidden_classes(root)
    out: list[HtmlElement] = []
    stack = [c for c in reversed(body) if isinstance(c.tag, str)]
    while stack:
        el = stack.pop()
        if is_hidden(el, page_classes):
            out.append(el)
            continue
        stack.extend(c for c in reversed(el) if isinstance(c.tag, str))
    return out
