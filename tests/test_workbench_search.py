"""Article search over folded tokens: the document field, the command line and its
backfill for articles stored before the field existed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from test_workbench_archive import build_archive

from pipelines.search import search_articles
from pipelines.tokens import query_tokens, search_tokens

ROOT = Path(__file__).resolve().parent.parent


def test_tokens_fold_spelling_and_strip_the_article():
    tokens = search_tokens("مُسيَّرة إسرائيلية", "قُتل مدنيّون في الحسكة وبالرقة")
    for query in ("مسيره", "اسرائيليه", "حسكة", "الرقّة", "مدنيون"):
        assert all(t in tokens for t in query_tokens(query)), query
    assert query_tokens("ـ ً") == []


def test_search_finds_all_words_only(mongo_db):
    build_archive(mongo_db)
    titles = [a["title"] for a in search_articles(mongo_db, "غارة حلب")]
    assert titles == ["غارة جوية على حلب"]
    assert list(search_articles(mongo_db, "غارة إدلب")) == []


def test_command_line_and_reindex(mongo_db, mongo_server):
    build_archive(mongo_db)
    mongo_db["articles"].update_many({}, {"$unset": {"search_tokens": ""}})
    env = dict(os.environ, MONGO_URI=mongo_server, MONGO_DATABASE=mongo_db.name)

    def run(*args):
        return subprocess.run(
            [sys.executable, "-m", "pipelines.search", *args],
            capture_output=True,
            cwd=ROOT,
            env=env,
            timeout=120,
        )

    assert run("--json", "درعا").stdout == b""
    done = run("--reindex")
    assert done.returncode == 0 and done.stdout.decode().startswith(
        str(mongo_db["articles"].count_documents({}))
    )
    found = [json.loads(x) for x in run("--json", "دَرْعا").stdout.decode().splitlines()]
    assert [f["title"] for f in found] == ["انفجار عبوة ناسفة في درعا"]
    assert run().returncode == 2


def test_stems_only_are_stored_and_whole_words_still_found(mongo_db):
    # Only stems are stored (each index entry costs the embedded server an insert's
    # worth of work); a word whose own letters begin like a prefix must still be found
    # from either spelling.
    assert "بالحسكه" not in search_tokens("قصف بالحسكة") and "حسكه" in search_tokens("قصف بالحسكة")
    mongo_db["articles"].insert_many([
        {"url": "https://a.example/1", "title": "الالتزام بالهدنة", "published": None,
         "search_tokens": search_tokens("الالتزام بالهدنة")},
        {"url": "https://a.example/2", "title": "التزام الطرفين", "published": None,
         "search_tokens": search_tokens("التزام الطرفين")},
        # stored before stems-only tokens: whole words beside their stems
        {"url": "https://a.example/3", "title": "والتزام قديم", "published": None,
         "search_tokens": ["والتزام", "التزام", "قديم"]},
    ])

    def titles(q):
        return {a["title"] for a in search_articles(mongo_db, q)}
    assert titles("التزام") == {"التزام الطرفين", "الالتزام بالهدنة", "والتزام قديم"}
    assert titles("الالتزام") == {"التزام الطرفين", "الالتزام بالهدنة", "والتزام قديم"}
    assert titles("الالتزام هدنة") == {"الالتزام بالهدنة"}
    assert titles("قديم") == {"والتزام قديم"}


def test_function_words_are_neither_stored_nor_asked_for(mongo_db):
    text = "وقد قُتل ثلاثة مدنيين في القصف الذي استهدف سوقاً، فإنّ الإمام أمام المسجد"
    tokens = search_tokens("غارة على إدلب", text)
    for function_word in ("في", "على", "الذي", "قد", "وقد", "ان", "فان"):
        assert function_word not in tokens, function_word
    # Content words stay, also those that begin like a function word with a clitic, and
    # «إمام»/«أمام» (one folded spelling) are never taken for the preposition.
    for content_word in ("غاره", "ادلب", "مدنيين", "قصف", "سوقا", "امام", "مسجد"):
        assert content_word in tokens, content_word
    assert "وفيات" in search_tokens("ارتفاع الوفيات")   # و + «فيات» is no function word
    assert query_tokens("القصف في إدلب") == ["قصف", "ادلب"]
    assert query_tokens("التي في") == []
    mongo_db["articles"].insert_one({"url": "https://a.example/s", "title": "غارة على إدلب", "published": None,
                                     "search_tokens": tokens})
    assert [a["title"] for a in search_articles(mongo_db, "غارة على إدلب")] == ["غارة على إدلب"]
    assert list(search_articles(mongo_db, "على التي")) == []
