"""Language of a text: Arabic vs Persian, Urdu, Sorani, Pashto and Latin-script languages.

Persian and Urdu share the Arabic script, so the script alone says nothing; the
decision rests on function words (``data/languages.yaml``) and on letters Arabic does
not use. ی and ک count only weakly: some Arabic CMSs type Arabic with Persian letters.
"""
from __future__ import annotations

import functools
import re

from pipelines.arabic import CharMap, clean_text

from .phrases import load

_WORD_RE = re.compile(r"[^\W\d_]+")
_NOT_ARABIC_LETTERS_RE = re.compile("[^\u0621-\u064a\u0671-\u06d3\u06fa-\u06ff]+")
_NORMALISE = CharMap({"ی": "ي", "ى": "ي", "ک": "ك", "ة": "ه", "أ": "ا", "إ": "ا", "آ": "ا"})
MIN_LETTERS = 20
SAMPLE_CHARS = 6000
# A non-Arabic hint needs this many distinctive letters per 1000 Arabic-script letters.
_STRONG_FA_LETTERS = "پچژگ"


@functools.cache
def _lexicon() -> dict[str, dict[str, frozenset[str]]]:
    raw = load("languages")
    return {
        "arabic_script": {lang: frozenset(_NORMALISE(w) for w in words)
                          for lang, words in raw["arabic_script"].items()},
        "latin_script": {lang: frozenset(w.lower() for w in words)
                         for lang, words in raw["latin_script"].items()},
        "letters": {lang: frozenset(chars) for lang, chars in raw["letters"].items()},
    }


def _hint(hint: str | None) -> str | None:
    if not hint:
        return None
    primary = hint.strip().lower().replace("_", "-").split("-")[0]
    return primary if primary.isalpha() and 2 <= len(primary) <= 3 else None


def detect_language(text: str, hint: str | None = None) -> str | None:
    """ISO 639-1 code of the text's language, or the hint when the text is too short."""
    # A few thousand characters decide the language as well as the whole text does.
    text = clean_text((text or "")[:SAMPLE_CHARS])
    # _NORMALISE maps letters to letters, one for one: the words of the normalised text
    # are the text's words, normalised (one pass of the word pattern instead of two).
    tokens = _WORD_RE.findall(_NORMALISE(text))
    letters = len("".join(tokens))
    if letters < MIN_LETTERS:
        return _hint(hint)
    lex = _lexicon()
    # Removing the other characters counts the Arabic letters without a list of them.
    if len(_NOT_ARABIC_LETTERS_RE.sub("", text)) >= 0.5 * letters:
        scores = {lang: sum(1 for t in tokens if t in vocab)
                  for lang, vocab in lex["arabic_script"].items()}
        strong_fa = sum(text.count(c) for c in _STRONG_FA_LETTERS)
        urdu_letters = sum(text.count(c) for c in lex["letters"]["ur"])
        per_mille = 1000 / max(1, letters)
        if urdu_letters * per_mille > 15 and scores.get("ur", 0) >= scores.get("fa", 0):
            return "ur"
        # Sorani Kurdish and Pashto write sounds with letters no other language here uses.
        for lang in ("ckb", "ps"):
            if sum(text.count(c) for c in lex["letters"][lang]) * per_mille > 20:
                return lang
        if scores.get("fa", 0) > scores.get("ar", 0) or (
                strong_fa * per_mille > 8 and scores.get("fa", 0) * 2 > scores.get("ar", 0)):
            return "fa"
        return "ar"
    lowered = [w.lower() for w in tokens]  # Latin words are left as they were by _NORMALISE
    scores = {lang: sum(1 for t in lowered if t in vocab) for lang, vocab in lex["latin_script"].items()}
    best = max(scores, key=lambda lang: scores[lang])
    if scores[best] >= 2:
        return best
    return _hint(hint)
