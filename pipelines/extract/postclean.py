"""Drop leftover boilerplate lines from extracted paragraphs."""
from __future__ import annotations

from pipelines.arabic import fold_text

from .lines import is_boilerplate_line, is_list_heading, looks_like_title, starts_with_list_heading

# Paragraphs longer than this are body text for every rule here.
_LONG = 700
# How many link titles may follow a list heading that survived into the text.
_MAX_LIST_ITEMS = 12


def postclean(paragraphs: list[str], title: str | None = None) -> list[str]:
    """Paragraphs without widget residue, «اقرأ أيضاً» lines, repeats and the title echo."""
    out: list[str] = []
    seen: set[str] = set()
    folded_title = fold_text(title) if title else None
    skip_titles = 0
    for para in paragraphs:
        para = para.strip()
        if para.startswith("- "):  # trafilatura's list-item marker
            para = para[2:].strip()
        if len(para) > _LONG:
            # Running text: no widget line is this long; only repeats are checked.
            if para not in seen:
                seen.add(para)
                out.append(para)
            skip_titles = 0
            continue
        folded = fold_text(para)
        if not folded:
            continue
        if skip_titles:
            if looks_like_title(para):
                skip_titles -= 1
                continue
            skip_titles = 0
        if is_list_heading(folded):
            skip_titles = _MAX_LIST_ITEMS
            continue
        if starts_with_list_heading(folded) or is_boilerplate_line(para, folded):
            continue
        if folded in seen or (folded_title and folded == folded_title and not out):
            continue
        seen.add(folded)
        out.append(para)
    return out
