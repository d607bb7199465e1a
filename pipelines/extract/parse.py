"""Text → lxml tree, tolerant of broken and very large pages."""
from __future__ import annotations

import re

import lxml.etree
import lxml.html

from .errors import ExtractionError
from .nesting import flatten_deep, too_deep

# Characters libxml2 refuses in a Python str (control chars, lone surrogates, non-chars).
_INVALID_XML_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_XML_DECL_RE = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
# libxml2's HTML parser checks each attribute of an element against the ones before it:
# quadratic in the attributes of one element (300,000 on one tag held it for minutes).
# No real element has more than a few dozen; past MAX_ATTRIBUTES the rest are cut before
# libxml2 sees them. One attribute: a name, optionally ``=`` and a quoted or bare value
# (a quoted value may hold ``<`` and ``>``, as browsers read it).
MAX_ATTRIBUTES = 256
_ATTR = r"""(?:\s+|(?<=["']))[^\s"'<>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'<>]*))?"""
_MANY_ATTRS = rf"(<[A-Za-z][^\s/<>]*(?:{_ATTR}){{{MAX_ATTRIBUTES}}})(?:{_ATTR})+"
_MANY_ATTRS_RE = re.compile(_MANY_ATTRS)
_MANY_ATTRS_BYTES_RE = re.compile(_MANY_ATTRS.encode())
_PARSER = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, huge_tree=True,
                               default_doctype=False)


def cap_attributes(markup: str) -> tuple[str, int]:
    """``markup`` with every element's attributes past MAX_ATTRIBUTES removed, and how
    many elements were cut (0: ``markup`` is returned unchanged). Linear in its length."""
    cut, n = _MANY_ATTRS_RE.subn(r"\1", markup)
    return cut, n


def cap_attributes_bytes(markup: bytes) -> tuple[bytes, int]:
    """``cap_attributes`` for undecoded bytes (ASCII-compatible encodings)."""
    cut, n = _MANY_ATTRS_BYTES_RE.subn(rb"\1", markup)
    return cut, n


def parse_html(html: str) -> lxml.html.HtmlElement:
    """Parse HTML into an ``<html>`` element; malformed or truncated markup is repaired.

    Raises ``ExtractionError("unparsable")`` only when libxml2 yields no tree at all.
    """
    if isinstance(html, (bytes, bytearray)):
        html = bytes(html).decode("utf-8", "replace")
    if not isinstance(html, str):
        raise ExtractionError("unparsable", f"expected str, got {type(html).__name__}")
    html = _INVALID_XML_RE.sub("", _XML_DECL_RE.sub("", html, count=1))
    html, _ = cap_attributes(html)
    if not html.strip():
        return lxml.html.document_fromstring("<html><body></body></html>", parser=_PARSER)
    try:
        root = lxml.html.document_fromstring(html, parser=_PARSER)
    except (lxml.etree.ParserError, lxml.etree.XMLSyntaxError, ValueError) as err:
        try:  # text without any markup, or markup libxml2 gives up on: wrap it
            root = lxml.html.document_fromstring(
                "<html><body>" + html + "</body></html>", parser=_PARSER)
        except (lxml.etree.ParserError, lxml.etree.XMLSyntaxError, ValueError):
            raise ExtractionError("unparsable", str(err)[:200]) from err
    if root is None:
        raise ExtractionError("unparsable", "no document element")
    if too_deep(root):  # each level costs the stages; past 2048 libxml2 loses the rest
        flat = flatten_deep(html)
        if flat is not html:
            root = lxml.html.document_fromstring(flat, parser=_PARSER)
    return root
