"""Article extraction: bytes → text → tree → article fields.

Public API (see the record contract in the project README):
``decode_html``, ``parse_html``, ``extract_article``, ``ExtractionError``,
``EXTRACTOR_VERSION``. Command line: ``python -m pipelines.extract FILE.html ...``.
"""
from __future__ import annotations

from .article import EXTRACTOR_VERSION, extract_article
from .decode import decode_html
from .errors import DROP_REASONS, ExtractionError
from .language import detect_language
from .parse import parse_html

__all__ = ["EXTRACTOR_VERSION", "DROP_REASONS", "ExtractionError", "decode_html", "detect_language",
           "extract_article", "parse_html"]
