"""A light Arabic clitic and suffix stripper for matching folded tokens to lexicon entries.

Not a full stemmer: it proposes the forms a token may have without its proclitics
(و ف, ب ل ك, the article ال, and لل = ل + ال) and without one inflectional or pronoun
suffix. A lexicon word matches a token when the word's base form is among them.
"""
from __future__ import annotations

from functools import lru_cache

_SUFFIXES = ("هما", "ات", "ون", "ين", "ان", "ها", "هم", "هن", "وا", "تا", "ه", "ت", "ي", "ا")


def strip_article(word: str) -> str:
    """Base form of a lexicon word: without a leading ال when enough remains."""
    return word[2:] if word.startswith("ال") and len(word) >= 5 else word


@lru_cache(maxsize=65536)
def prefix_forms(token: str) -> frozenset[str]:
    """The token and its forms without conjunction, preposition and article."""
    forms = {token}
    if token[:1] in ("و", "ف") and len(token) > 3:
        forms.add(token[1:])
    for f in list(forms):
        if f.startswith("لل") and len(f) > 4:
            forms.add("ال" + f[2:])
            forms.add(f[2:])
        elif f[:1] in ("ب", "ل", "ك") and len(f) > 3:
            forms.add(f[1:])
    for f in list(forms):
        if f.startswith("ال") and len(f) >= 5:
            forms.add(f[2:])
    return frozenset(forms)


@lru_cache(maxsize=65536)
def clitic_forms(token: str) -> frozenset[str]:
    """The token and its forms without conjunction and preposition; the article stays
    (it is part of names: «الرقة» is not «رقة», «الصور» is not «صور»)."""
    forms = {token}
    if token[:1] in ("و", "ف") and len(token) > 3:
        forms.add(token[1:])
    for f in list(forms):
        if f.startswith("لل") and len(f) > 4:
            forms.add("ال" + f[2:])
        elif f[:1] in ("ب", "ل", "ك") and len(f) > 3:
            forms.add(f[1:])
    return frozenset(forms)


@lru_cache(maxsize=65536)
def token_forms(token: str) -> frozenset[str]:
    """Prefix forms plus each of them without one suffix (plural, feminine, pronoun)."""
    forms = set(prefix_forms(token))
    for f in list(forms):
        for suf in _SUFFIXES:
            if f.endswith(suf) and len(f) - len(suf) >= 3:
                stem = f[: -len(suf)]
                forms.add(stem)
                if suf == "ات":           # feminine plural of a word in -ة
                    forms.add(stem + "ه")
                if suf in ("ها", "هم", "هن", "هما") and stem.endswith("ت"):
                    forms.add(stem[:-1] + "ه")   # مصرعهم / سيطرتها -> سيطره
    return frozenset(forms)


_VERB_ENDINGS = ("هما", "ها", "هم", "هن", "وا", "ه", "ت", "ا", "تا", "وه", "ني", "نا")


@lru_cache(maxsize=65536)
def verb_forms(token: str) -> frozenset[str]:
    """A token's forms as a verb: without و/ف and one object or subject ending, never
    without an article or a preposition (a verb takes neither: «القتل» is a noun)."""
    bare = token[1:] if token[:1] in ("و", "ف") and len(token) > 3 else token
    forms = {token, bare}
    for suf in _VERB_ENDINGS:
        if bare.endswith(suf) and len(bare) - len(suf) >= 2:
            forms.add(bare[: -len(suf)])
    return frozenset(forms)
