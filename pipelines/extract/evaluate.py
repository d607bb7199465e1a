"""Scoring extraction against ``../shared/evaldata`` the way its README describes.

Snippet scoring as in trafilatura's evaluation: white space normalised; a ``with``
snippet found in the text is a true positive, missing a false negative; a ``without``
snippet found is a false positive. The evaluation data is read at run time only.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .title import letters_only

DEFAULT_EVALDATA = Path(__file__).resolve().parents[2].parent / "shared" / "evaldata"
_WS_RE = re.compile(r"\s+")


def _ws(text: str) -> str:
    return _WS_RE.sub(" ", text or "").strip()


def load_gold(evaldata: Path = DEFAULT_EVALDATA) -> list[dict[str, Any]]:
    """Gold records with snippets (the Arabic pages)."""
    with open(evaldata / "gold" / "pages_gold.json", encoding="utf-8") as fh:
        return [r for r in json.load(fh) if "with" in r and "without" in r]


@dataclass
class Score:
    tp: int = 0
    fn: int = 0
    fp: int = 0
    titles_right: int = 0
    pages: int = 0
    leaks: list[tuple[str, str]] = field(default_factory=list)
    misses: list[tuple[str, str]] = field(default_factory=list)
    wrong_titles: list[tuple[str, str | None]] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, gold: dict[str, Any], text: str | None, title: str | None) -> None:
        self.pages += 1
        body = _ws(text or "")
        for snippet in gold["with"]:
            if _ws(snippet) in body:
                self.tp += 1
            else:
                self.fn += 1
                self.misses.append((gold["file"], snippet))
        for snippet in gold["without"]:
            if _ws(snippet) in body:
                self.fp += 1
                self.leaks.append((gold["file"], snippet))
        if title_matches(title, gold):
            self.titles_right += 1
        else:
            self.wrong_titles.append((gold["file"], title))


def title_matches(title: str | None, gold: dict[str, Any]) -> bool:
    """Equal to the gold title, ignoring punctuation, letter variants and a site-name
    affix that the page's own <title> carries («... - اليوم السابع»)."""
    if not title:
        return False
    ours = letters_only(title)
    if not ours:
        return False
    if gold.get("title_gold"):
        return ours == letters_only(gold["title_gold"])
    page = letters_only(gold.get("title_from_page") or "")
    if ours == page:
        return True
    if page.startswith(ours) or page.endswith(ours):
        rest = page[len(ours):] if page.startswith(ours) else page[: len(page) - len(ours)]
        return 0 < len(rest.split()) <= 4
    return False
