"""Arabic text normalisation shared by every stage.

Two levels:
- ``clean_text`` keeps the text as a reader sees it, only removing what is invisible
  or typographic (bidi controls, tatweel, odd spaces) and unifying digits when asked.
- ``fold_text`` is for matching and hashing: it also drops diacritics and folds the
  letter variants that writers and CMSs use interchangeably (أ/إ/آ/ٱ → ا, ى → ي,
  ة → ه, ؤ → و, ئ → ي), so two copies of one article hash the same.
"""
from __future__ import annotations

import functools
import hashlib
import re
import unicodedata


class CharMap:
    """A character-for-text replacement table applied as one ``str.replace`` per
    character the text holds.

    ``str.translate`` with a table looks up every character of a non-ASCII text in a
    dict (about 0.2 µs each: 0.5 ms for a 2,500-character Arabic paragraph); a
    ``replace`` per mapped character is a C scan, some fifty times faster on such text.
    The replacements are applied one after another, so none may contain a mapped
    character (checked here): the result is then the same as ``str.translate``'s.
    """

    __slots__ = ("pairs",)

    def __init__(self, mapping: dict[str, str]):
        for key, value in mapping.items():
            if len(key) != 1:
                raise ValueError(f"CharMap keys are single characters, not {key!r}")
            if any(ch in mapping for ch in value):
                raise ValueError(f"CharMap replacement {value!r} of {key!r} holds a mapped character")
        self.pairs = tuple(mapping.items())

    def __call__(self, text: str) -> str:
        for key, value in self.pairs:
            if key in text:
                text = text.replace(key, value)
        return text


# Eastern Arabic (U+0660..) and Persian (U+06F0..) digits to ASCII.
_DIGITS = CharMap({c: str(i) for digits in ("٠١٢٣٤٥٦٧٨٩", "۰۱۲۳۴۵۶۷۸۹") for i, c in enumerate(digits)})

TATWEEL = "\u0640"
# Directional marks and embeddings that CMSs sprinkle around numbers and dates.
_BIDI = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u061c\ufeff"
_ZERO_WIDTH = "\u200b\u200c\u200d\u2060"
_INVISIBLE_RE = re.compile(f"[{_BIDI}{_ZERO_WIDTH}{TATWEEL}]")
# Harakat, Quranic marks and superscript alef: they change reading, not identity.
_DIACRITICS_RE = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
_SPACES_RE = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_FOLD = CharMap({
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا",
    "ى": "ي", "ئ": "ي", "ی": "ي",
    "ؤ": "و",
    "ة": "ه",
    "ک": "ك",
    "،": ",", "؛": ";", "؟": "?",
})
_ARABIC_LETTER_RE = re.compile("[\u0621-\u064a\u0671-\u06d3\u06fa-\u06ff]")
# Letters used by Persian/Urdu but not by Arabic: their presence separates the two.
_PERSIAN_ONLY_RE = re.compile("[پچژگکی]")


_EASTERN_DIGIT_RE = re.compile("[٠-٩۰-۹]")


def to_ascii_digits(text: str) -> str:
    """Replace Eastern Arabic and Persian digits by ASCII digits."""
    # Most texts have no such digit, and one regex search finds that out.
    return _DIGITS(text) if _EASTERN_DIGIT_RE.search(text) else text


def clean_text(text: str, *, ascii_digits: bool = False) -> str:
    """Remove invisible marks and tatweel, unify spaces; keep letters and diacritics."""
    text = unicodedata.normalize("NFC", text)
    text = _INVISIBLE_RE.sub("", text)
    text = _SPACES_RE.sub(" ", text)
    if ascii_digits:
        text = to_ascii_digits(text)
    return text


# The stages fold the same short texts again and again (a page's lines, menus and
# phrases, a site's boilerplate across its pages): short ones are folded once per process.
CACHED_FOLD_CHARS = 2000


def fold_text(text: str) -> str:
    """The matching form of a text: cleaned, no diacritics, letter variants folded,
    ASCII digits, lower-cased Latin, single spaces."""
    if len(text) <= CACHED_FOLD_CHARS:
        return _fold_cached(text)
    return _fold(text)


@functools.lru_cache(maxsize=8192)
def _fold_cached(text: str) -> str:
    return _fold(text)


def _fold(text: str) -> str:
    text = clean_text(text, ascii_digits=True)
    text = _DIACRITICS_RE.sub("", text)
    text = _FOLD(text).lower()
    return " ".join(text.split())


def text_hash(text: str) -> str:
    """SHA-1 of the folded text: equal for copies that differ only in spelling variants,
    diacritics, tatweel, bidi marks or white space."""
    return hashlib.sha1(fold_text(text).encode("utf-8")).hexdigest()


def arabic_ratio(text: str) -> float:
    """Share of letters in the Arabic block among all letters (0.0 when no letters)."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return 0.0
    return sum(1 for c in letters if _ARABIC_LETTER_RE.match(c)) / len(letters)


def persian_ratio(text: str) -> float:
    """Share of Persian-only characters among Arabic-script letters."""
    letters = len(_ARABIC_LETTER_RE.findall(text))
    if not letters:
        return 0.0
    return len(_PERSIAN_ONLY_RE.findall(text)) / letters
