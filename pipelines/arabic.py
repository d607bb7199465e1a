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

# Eastern Arabic (U+0660..) and Persian (U+06F0..) digits to ASCII.
_DIGITS = {ord(c): str(i) for i, c in enumerate("٠١٢٣٤٥٦٧٨٩")}
_DIGITS.update({ord(c): str(i) for i, c in enumerate("۰۱۲۳۴۵۶۷۸۹")})

TATWEEL = "\u0640"
# Directional marks and embeddings that CMSs sprinkle around numbers and dates.
_BIDI = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u061c\ufeff"
_ZERO_WIDTH = "\u200b\u200c\u200d\u2060"
_INVISIBLE_RE = re.compile(f"[{_BIDI}{_ZERO_WIDTH}{TATWEEL}]")
# Harakat, Quranic marks and superscript alef: they change reading, not identity.
_DIACRITICS_RE = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
_SPACES_RE = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_FOLD = str.maketrans({
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
    # str.translate walks a non-ASCII text character by character through the table;
    # most texts have no such digit, and a regex finds that out many times faster.
    return text.translate(_DIGITS) if _EASTERN_DIGIT_RE.search(text) else text


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
    text = text.translate(_FOLD).lower()
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
