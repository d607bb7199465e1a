"""Text → lxml tree, tolerant of broken and very large pages."""
from __future__ import annotations

import re

import lxml.etree
import lxml.html

from .errors import ExtractionError

# Characters libxml2 refuses in a Python str (control chars, lone surrogates, non-chars).
_INVALID_XML_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_XML_DECL_RE = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_PARSER = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, huge_tree=True,
                               default_doctype=False)


def parse_html(html: str) -> lxml.html.HtmlElement:
    """Parse HTML into an ``<html>`` element; malformed or truncated markup is repaired.

    Raises ``ExtractionError("unparsable")`` only when libxml2 yields no tree at all.
    """
    if isinstance(html, (bytes, bytearray)):
        html = bytes(html).decode("utf-8", "replace")
    if not isinstance(html, str):
        raise ExtractionError("unparsable", f"expected str, got {type(html).__name__}")
    html = _INVALID_XML_RE.sub("", _XML_DECL_RE.sub("", html, count=1))
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
    return root
