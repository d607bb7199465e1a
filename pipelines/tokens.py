"""Folded search words: what an article's ``search_tokens`` field holds and what a
search query is reduced to (``pipelines.search`` queries with them, the store writes them).

The distinct folded words of a text (``pipelines.arabic.fold_text``: alef, ya and
ta-marbuta forms, diacritics, tatweel folded), each without a leading definite article or
a one-letter clitic before it (``والحسكة`` and ``بالحسكة`` give ``حسكه``). Only these
stems are stored: every index entry costs the embedded server about 50 µs per insert,
most of what storing an article costs, and the whole word itself was never looked up.

Function words («في», «التي», «كانت»: ``pipelines/data/search_stopwords.yaml``) are left
out of both: they were about 14% of an article's tokens and find every article anyway.

A query word is looked up as its stem, as itself (``التزام`` stands for ``الالتزام``,
whose stem it is) and as its stem's stem (``الالتزام`` also finds ``التزام``, stored as
``تزام``).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

from pipelines.arabic import fold_text

MAX_TOKENS = 5_000
_WORD_RE = re.compile(r"\w+", re.UNICODE)
# Longest first: a word keeps its stem once the longest prefix that leaves >= 3 letters is off.
_PREFIXES = ("وبال", "وال", "بال", "فال", "كال", "لل", "ال")


_STOPWORDS_FILE = Path(__file__).with_name("data") / "search_stopwords.yaml"


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """The folded function words left out of search tokens and queries."""
    with open(_STOPWORDS_FILE, encoding="utf-8") as fh:
        groups = yaml.safe_load(fh)
    return frozenset(fold_text(str(word)) for words in groups.values() for word in words)


def _is_stopword(word: str, stop: frozenset[str]) -> bool:
    # «وقد», «فإن»: the conjunction does not make a function word searchable.
    return word in stop or (word[:1] in ("و", "ف") and word[1:] in stop)


def _stem(word: str) -> str:
    for prefix in _PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= 3:
            return word[len(prefix) :]
    return word


def words(text: str) -> list[str]:
    """Folded words of a text, in order (one-character words and function words left out)."""
    stop = stopwords()
    # Numbers count only from four digits (years); short ones are too common to search on.
    return [w for w in _WORD_RE.findall(fold_text(text))
            if (len(w) > 3 or (len(w) > 1 and not w.isdigit())) and not _is_stopword(w, stop)]


def search_tokens(*texts: str | None) -> list[str]:
    """The ``search_tokens`` field for an article: the sorted distinct stems of its words."""
    seen: set[str] = set()
    for text in texts:
        if not isinstance(text, str):
            continue
        for w in words(text):
            seen.add(_stem(w))
            if len(seen) >= MAX_TOKENS:
                return sorted(seen)
    return sorted(seen)


def query_tokens(query: str) -> list[str]:
    """What a search for ``query`` must find in ``search_tokens`` (stems, distinct, in order)."""
    out: list[str] = []
    for w in words(query):
        stem = _stem(w)
        if stem not in out:
            out.append(stem)
    return out


def query_alternatives(query: str) -> list[list[str]]:
    """For each distinct word of ``query``, the stored tokens any of which stands for it
    (see the module's docstring); articles stored before stems-only tokens also hold
    whole words, which the word's stem still finds."""
    out: list[list[str]] = []
    for stem in query_tokens(query):
        alts = [stem]
        for w in words(query):
            if _stem(w) == stem:
                alts += [a for a in (w, _stem(stem)) if a not in alts]
        out.append(alts)
    return out
