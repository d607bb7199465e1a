"""README.md's "Records" and "Stored documents" sections say what the code does: every
record field, every drop code and every stored article/drop field is documented, and
nothing documented is missing from the code."""
from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from pipelines.records import Article, Drop, DropReason, Page
from pipelines.storage import build_document, build_drop_document
from pipelines.storage.names import ARTICLES, DROPS

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")

# Set by the store inside its update, not by the document builders.
ARTICLE_BOOKKEEPING = {"_id", "first_seen", "last_seen", "fetch_count", "revision", "content_changed_at"}
DROP_BOOKKEEPING = {"first_seen", "last_seen", "count", "reasons"}
# Set after each batch by the stories stage (pipelines/stories), not by the document builder.
ARTICLE_DERIVED = {"story", "story_original"}


def _section(title: str, level: str = "##") -> str:
    start = README.index(f"\n{level} {title}")
    following = README.find(f"\n{level} ", start + 1)
    return README[start:following if following != -1 else None]


def _table_after(text: str, marker: str) -> list[list[str]]:
    """The rows (cells, header and rule left out) of the first table after ``marker``."""
    rest = text[text.index(marker):]
    lines = rest.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("|"))
    rows = []
    for line in lines[first + 2:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split(" | ")])
    return rows


def _names(cell: str) -> set[str]:
    return set(re.findall(r"`([a-z_0-9]+)`", cell))


def _documented(text: str, marker: str) -> set[str]:
    return set().union(*(_names(row[0]) for row in _table_after(text, marker)))


def _fields(record: type) -> set[str]:
    return {f.name for f in dataclasses.fields(record)}


def test_record_tables_list_every_field():
    records = _section("Records")
    assert _documented(records, "**`Page`**") == _fields(Page)
    assert _documented(records, "**`Article`**") == _fields(Article)
    assert _documented(records, "**`Drop`**") == _fields(Drop)


def test_every_drop_code_is_documented():
    records = _section("Records")
    assert _documented(records, "**Drop codes.**") == {reason.value for reason in DropReason}


def test_stored_article_fields_are_documented():
    stored = _section("Stored documents")
    documented = _documented(stored, f"### `{ARTICLES}`")
    built = set(build_document({"url": "https://example.com/a", "text": "نص"}))
    assert documented == built | ARTICLE_BOOKKEEPING | ARTICLE_DERIVED


def test_stored_drop_fields_are_documented():
    stored = _section("Stored documents")
    documented = _documented(stored, f"### `{DROPS}`")
    built = set(build_drop_document(Drop(url="https://example.com/x", reason=DropReason.TIMEOUT).to_dict()))
    assert documented == built | DROP_BOOKKEEPING


def test_the_table_reader_reads_cells():
    text = "x\n\n| field | meaning |\n|---|---|\n| `a`, `b_c` | one |\n| `d` | two |\n\nafter"
    assert _documented(text, "x") == {"a", "b_c", "d"}
