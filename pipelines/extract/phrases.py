"""Loads the data files under ``data/`` and compiles them once."""
from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

import yaml

from pipelines.arabic import fold_text

DATA_DIR = Path(__file__).parent / "data"
_ARABIC_RUN_RE = re.compile("[\u0600-\u06ff]+")
_WORD_RE = re.compile(r"[^\W_]+")


def fold_pattern(pattern: str) -> str:
    """Fold the Arabic letters of a regex without touching its syntax (``\\S`` stays)."""
    return _ARABIC_RUN_RE.sub(lambda m: fold_text(m.group()), pattern)


def _compile_any(patterns: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{fold_pattern(p)})" for p in patterns))


@functools.cache
def load(name: str) -> dict[str, Any]:
    """The parsed ``data/<name>.yaml`` (read once per process)."""
    with open(DATA_DIR / f"{name}.yaml", encoding="utf-8") as fh:
        return yaml.safe_load(fh)


class Boilerplate:
    """Compiled form of ``boilerplate.yaml``."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.remove_tags: frozenset[str] = frozenset(raw["remove_tags"])
        self.class_ignore = re.compile(raw["class_id_ignore"])
        self.class_comments = _compile_any(raw["class_id_comments"])
        self.class_strong = _compile_any(raw["class_id_strong"])
        self.class_weak = _compile_any(raw["class_id_weak"])
        self._token_kinds: dict[str, str | None] = {}
        self.list_heading = _compile_any([f"^\\W*(?:{p})" for p in raw["list_headings"]])
        self.list_heading_sep = _compile_any([f"^\\W*(?:{p})\\s*[:：\\-–—.…»|]" for p in raw["list_headings"]])
        self.inline_heading = _compile_any([f"^\\W*(?:{p})" for p in raw["inline_headings"]])
        self.short_line_chars: int = raw["short_line_chars"]
        self.line = _compile_any(raw["line_patterns"])
        self.comment_words = frozenset(fold_text(w) for w in raw["comment_words"])
        self.policy = [re.compile(fold_pattern(p)) for p in raw["comment_policy_words"]]
        self.policy_min_hits: int = raw["comment_policy_min_hits"]
        self.policy_voice = _compile_any(raw["comment_policy_voice"])
        self.share_words = frozenset(fold_text(w) for w in raw["share_words"])
        self.share_filler = frozenset(fold_text(w) for w in raw["share_filler"])
        self.date_words = frozenset(fold_text(w) for w in raw["date_words"])


    def token_kind(self, token: str) -> str | None:
        """"comments", "strong", "weak" or None for one class/id token (memoised:
        the same few hundred tokens recur on every page of a site)."""
        kind = self._token_kinds.get(token, "?")
        if kind == "?":
            if self.class_ignore.search(token):
                kind = None
            elif self.class_comments.search(token):
                kind = "comments"
            elif self.class_strong.search(token):
                kind = "strong"
            elif self.class_weak.search(token):
                kind = "weak"
            else:
                kind = None
            if len(self._token_kinds) < 100_000:
                self._token_kinds[token] = kind
        return kind


class PageSignals:
    """Compiled form of ``pages.yaml``."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.soft_404 = _compile_any(raw["soft_404"])
        self.soft_404_max_chars: int = raw["soft_404_max_chars"]
        self.challenge = _compile_any(raw["challenge"])
        self.challenge_markup: tuple[str, ...] = tuple(raw["challenge_markup"])
        self.challenge_max_chars: int = raw["challenge_max_chars"]
        self.video_markup: tuple[str, ...] = tuple(raw["video_markup"])
        self.article_types = frozenset(t.lower() for t in raw["article_types"])
        self.listing_types = frozenset(t.lower() for t in raw["listing_types"])
        self.listing_url = _compile_any(raw["listing_url_patterns"])
        self.lead_class = re.compile(raw["lead_class_id"])
        self.lead_min_chars: int = raw["lead_min_chars"]
        self.placeholder_titles = frozenset(" ".join(_WORD_RE.findall(fold_text(t).lower()))
                                            for t in raw.get("placeholder_titles", []))


@functools.cache
def boilerplate() -> Boilerplate:
    """Compiled ``boilerplate.yaml``, shared by every page."""
    return Boilerplate(load("boilerplate"))


@functools.cache
def page_signals() -> PageSignals:
    """Compiled ``pages.yaml``, shared by every page."""
    return PageSignals(load("pages"))
