"""Article search without ``$text``: a folded token field and queries over it.

    python -m pipelines.search QUERY [--source ID] [--limit 20] [--json]
    python -m pipelines.search --reindex      # fill search_tokens of articles stored before it existed

SecantusDB has no text index, so each stored article carries ``search_tokens``: the
distinct folded words of its title and text (``pipelines.arabic.fold_text``: alef, ya and
ta-marbuta forms, diacritics, tatweel folded), each without a leading definite article or
a one-letter clitic before it (``والحسكة`` and ``بالحسكة`` give ``حسكه``). A query is
folded and reduced the same way and matches articles holding all its words.
(The words and their folding: ``pipelines.tokens``.)
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from typing import Any

from pymongo import UpdateOne

from pipelines.config import add_archive_options
from pipelines.storage import StorageError, open_database
from pipelines.tokens import query_alternatives, query_tokens, search_tokens


def article_query(query: str, source: str | None = None) -> dict[str, Any] | None:
    """The MongoDB filter for a search, or None when the query holds no word."""
    clauses = [{"search_tokens": alts[0] if len(alts) == 1 else {"$in": alts}}
               for alts in query_alternatives(query)]
    if not clauses:
        return None
    flt: dict[str, Any] = clauses[0] if len(clauses) == 1 else {"$and": clauses}
    if source:
        flt["source"] = source
    return flt


def search_articles(
    db,
    query: str,
    *,
    source: str | None = None,
    limit: int = 50,
    fields: dict[str, int] | None = None,
    extra: dict[str, Any] | None = None,
) -> Iterator[dict]:
    """Stored articles matching every word of ``query`` (and the ``extra`` filter), newest first."""
    flt = article_query(query, source)
    if flt is None:
        return iter(())
    flt.update(extra or {})
    projection = fields or {
        "url": 1,
        "title": 1,
        "source": 1,
        "published": 1,
        "published_local": 1,
        "event_count": 1,
    }
    return db["articles"].find(flt, projection).sort([("published", -1)]).limit(limit)


def reindex(db, everything: bool = False, batch: int = 500) -> int:
    """Write ``search_tokens`` on stored articles that lack it (all with ``everything``);
    returns how many were written."""
    query: dict[str, Any] = {} if everything else {"search_tokens": {"$exists": False}}
    ops, n = [], 0
    for art in db["articles"].find(query, {"title": 1, "text": 1}):
        ops.append(
            UpdateOne(
                {"_id": art["_id"]},
                {"$set": {"search_tokens": search_tokens(art.get("title"), art.get("text"))}},
            )
        )
        if len(ops) >= batch:
            n += db["articles"].bulk_write(ops, ordered=False).modified_count
            ops = []
    if ops:
        n += db["articles"].bulk_write(ops, ordered=False).modified_count
    db["articles"].create_index("search_tokens", name="search_tokens")
    return n


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m pipelines.search",
        description="Search stored articles (spelling variants, diacritics and tatweel folded).",
    )
    ap.add_argument("query", nargs="*", help="words that must all occur")
    ap.add_argument("--source", help="only this source id")
    ap.add_argument("--limit", type=int, default=20)
    ap.add_argument("--json", action="store_true", help="JSON lines instead of a list")
    ap.add_argument("--reindex", action="store_true", help="fill search_tokens on articles that lack it")
    add_archive_options(ap)
    args = ap.parse_args(argv)

    if not args.reindex and not query_tokens(" ".join(args.query)):
        ap.error("give words to search for (or --reindex)")
    try:
        with open_database(args.mongo_uri, args.database, args.data_dir) as conn:
            if args.reindex:
                print(f"{reindex(conn.db)} articles indexed for search")
                return 0
            found = list(search_articles(conn.db, " ".join(args.query), source=args.source, limit=args.limit))
    except StorageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for art in found:
        if args.json:
            print(
                json.dumps(
                    {k: art.get(k) for k in ("url", "source", "title", "published_local", "event_count")},
                    ensure_ascii=False,
                )
            )
        else:
            when, source = art.get("published_local") or "?", art.get("source") or "?"
            print(f"{when:25}  {source:12}  {art.get('title') or ''}")
            print(f"{'':25}  {art.get('url')}")
    if not args.json:
        print(f"{len(found)} article{'s' if len(found) != 1 else ''} found", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
