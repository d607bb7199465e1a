"""Offset-preserving folding, tokens, sentences and clauses.

``pipelines.arabic.fold_text`` changes the length of a text (it drops diacritics and
collapses spaces), so evidence offsets cannot be taken from it. Here each folded
character remembers the index of the character it came from.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipelines.arabic import fold_text

_SKIP_RE = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640"
                      "\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\u061c\ufeff]")
_TOKEN_RE = re.compile("[0-9a-z\u0621-\u064a\u0671-\u06d3\u06fa-\u06ff]+")
# Sentence ends; a dot between digits (3.5) is not one.
_SENT_END_RE = re.compile(r"(?<!\d)[.!?؟](?!\d)|\n|؛")
# Clause breaks inside a sentence: commas, semicolons, spaced dashes, brackets.
# A dash with a space on one side only opens or closes an aside («جيش الفتح -الذي يضم ...-»);
# one with spaces on both sides joins names («طريق حلب - اللاذقية»).
_CLAUSE_RE = re.compile(r"[،,;:()\[\]]|\s[-–—](?=\S)|(?<=\S)[-–—]\s")


@dataclass
class Token:
    text: str        # folded form
    start: int       # offset in the original text
    end: int
    sent: int = 0
    clause: int = 0


@dataclass
class Doc:
    text: str
    tokens: list[Token] = field(default_factory=list)
    sentences: list[tuple[int, int]] = field(default_factory=list)   # char spans, stripped
    paragraphs: list[int] = field(default_factory=list)              # sentence -> paragraph


_GAP = "\x00"


class _FoldTable(dict):
    """str.translate table built lazily: each character folded once, then looked up."""

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        if ch.isspace():
            out = " "
        elif _SKIP_RE.match(ch):
            out = _GAP
        else:
            out = fold_text(ch) or _GAP
            if len(out) != 1:           # rare letters that lower-case to two characters
                out = out[0]
        self[code] = out
        return out


_TABLE = _FoldTable()


def fold_with_offsets(text: str) -> tuple[str, list[int]]:
    """The folded text and, for each of its characters, the index it came from."""
    mapped = text.replace(_GAP, " ").translate(_TABLE)
    if _GAP not in mapped:
        return mapped, list(range(len(text)))
    idx = [i for i, ch in enumerate(mapped) if ch != _GAP]
    return mapped.replace(_GAP, ""), idx


def build_doc(text: str) -> Doc:
    doc = Doc(text=text)
    # Sentences, with the paragraph each belongs to (a blank line or a line break).
    start = 0
    para = 0
    spans: list[tuple[int, int, int]] = []
    for m in _SENT_END_RE.finditer(text):
        end = m.end() if m.group() not in "\n" else m.start()
        spans.append((start, end, para))
        if m.group() == "\n":
            para += 1
        start = m.end()
    spans.append((start, len(text), para))
    for s, e, p in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            doc.sentences.append((s, e))
            doc.paragraphs.append(p)
    folded, idx = fold_with_offsets(text)
    sent_i = 0
    clause_breaks = sorted(m.start() for m in _CLAUSE_RE.finditer(text))
    ci = 0
    clause = 0
    for m in _TOKEN_RE.finditer(folded):
        s, e = idx[m.start()], idx[m.end() - 1] + 1
        while e < len(text) and _SKIP_RE.match(text[e]) and not text[e].isspace():
            e += 1          # keep a final diacritic with its word
        while sent_i < len(doc.sentences) - 1 and s >= doc.sentences[sent_i][1]:
            sent_i += 1
        while ci < len(clause_breaks) and clause_breaks[ci] < s:
            ci += 1
            clause += 1
        doc.tokens.append(Token(m.group(), s, e, sent_i, clause))
    # A new sentence always starts a new clause.
    last = (-1, -1)
    cid = -1
    for t in doc.tokens:
        key = (t.sent, t.clause)
        if key != last:
            cid += 1
            last = key
        t.clause = cid
    return doc
