"""Decisions about single lines of text: is this widget residue or body text?

Shared by the tree pre-clean (on an element's text) and the paragraph post-clean.
"""
from __future__ import annotations

import functools
import re

from pipelines.arabic import CACHED_FOLD_CHARS, fold_text

from .phrases import boilerplate

_TOKEN_RE = re.compile(r"[^\W_]+", re.UNICODE)
_PLACE_PREFIX_RE = re.compile(r"^[^:\d]{1,30}[:：]\s*")
_SENTENCE_END_RE = re.compile(r"[.!؟?…»\"”]\s*$")
# A heading alone («اقرأ أيضاً»), as opposed to a paragraph that starts with one.
HEADING_MAX_CHARS = 45
HEADING_EXTRA_WORDS = 2
# An inline «اقرأ أيضاً: <title>» paragraph is at most this long.
INLINE_LIST_MAX_CHARS = 300
COMMENT_POLICY_MAX_CHARS = 700


def is_list_heading(folded: str) -> bool:
    """«اقرأ أيضاً», «الأكثر قراءة»... alone on the line (a word or two may follow:
    «الأكثر قراءة اليوم»), not a sentence that starts with the same words."""
    if len(folded) > HEADING_MAX_CHARS:
        return False
    m = boilerplate().list_heading.search(folded)
    if not m:
        return False
    rest = folded[m.end():].strip(" :：-–—.…»|")
    return len(rest.split()) <= HEADING_EXTRA_WORDS


def starts_with_list_heading(folded: str) -> bool:
    """A short paragraph introduced by a list heading: «اقرأ أيضاً: <link title>»."""
    if len(folded) > INLINE_LIST_MAX_CHARS:
        return False
    bp = boilerplate()
    return bool(bp.inline_heading.search(folded) or bp.list_heading_sep.search(folded))


def is_share_bar(folded: str) -> bool:
    bp = boilerplate()
    if len(folded) > bp.short_line_chars:
        return False
    tokens = _TOKEN_RE.findall(folded)
    return bool(tokens) and any(t in bp.share_words for t in tokens) and all(
        t in bp.share_words or t in bp.share_filler or t.isdigit() for t in tokens)


def is_date_line(folded: str) -> bool:
    """Only a date/time («دمشق: الخميس، 12 مارس 2026 09:40 ص»): a clock or dateline."""
    if len(folded) > 80:
        return False
    rest = _PLACE_PREFIX_RE.sub("", folded)
    tokens = _TOKEN_RE.findall(rest)
    if not tokens or not any(t.isdigit() for t in tokens):
        return False
    words = boilerplate().date_words
    named = sum(1 for t in tokens if t in words)
    return all(t.isdigit() or t in words for t in tokens) and (named > 0 or len(tokens) >= 3)


def is_comment_policy(folded: str) -> bool:
    bp = boilerplate()
    if len(folded) > COMMENT_POLICY_MAX_CHARS:
        return False
    tokens = set(_TOKEN_RE.findall(folded))
    if not tokens & bp.comment_words and "تعليق" not in folded:
        return False
    # A news paragraph may mention comments and moderation; a longer one needs more
    # policy vocabulary before it counts as the site's rules.
    needed = bp.policy_min_hits + (1 if len(folded) > 250 else 0)
    if not bp.policy_voice.search(folded):
        return False
    return sum(1 for p in bp.policy if p.search(folded)) >= needed


def is_boilerplate_line(text: str, folded: str | None = None) -> bool:
    """A line that is widget residue wherever it appears."""
    folded = fold_text(text) if folded is None else folded
    if not folded:
        return True
    # The pre-clean asks of an element's text, the post-clean of the same paragraph.
    return _folded_is_boilerplate(folded) if len(folded) <= CACHED_FOLD_CHARS \
        else _decide_boilerplate(folded)


@functools.lru_cache(maxsize=4096)
def _folded_is_boilerplate(folded: str) -> bool:
    return _decide_boilerplate(folded)


def _decide_boilerplate(folded: str) -> bool:
    bp = boilerplate()
    if len(folded) <= bp.short_line_chars and bp.line.search(folded):
        return True
    return is_share_bar(folded) or is_date_line(folded) or is_comment_policy(folded)


def looks_like_title(text: str) -> bool:
    """A link title in a list: short, no sentence end."""
    return len(text) <= 160 and not _SENTENCE_END_RE.search(text)
