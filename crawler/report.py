"""What a crawl left in the archive, summarised for people."""
from __future__ import annotations

from typing import Any

from pipelines.storage import open_database


def crawl_summary(stats: dict[str, Any], uri: str | None, data_dir: str, database: str,
                  source_ids: list[str] | None = None) -> dict[str, Any]:
    """Read the archive after a crawl: articles stored, drops by reason, a sample."""
    query: dict[str, Any] = {"source": {"$in": source_ids}} if source_ids else {}
    with open_database(uri, database, data_dir) as conn:
        db = conn.db
        stored = db.articles.count_documents(query)
        drops = {row["_id"]: row["n"] for row in db.drops.aggregate([
            {"$match": query}, {"$group": {"_id": "$reason", "n": {"$sum": 1}}},
            {"$sort": {"n": -1}}])}
        sample = db.articles.find_one(
            {**query, "published": {"$ne": None}},
            {"title": 1, "published_local": 1, "url": 1, "source": 1},
            sort=[("published", -1)])
    dropped_now = {k.rsplit("/", 1)[-1]: v for k, v in stats.items()
                   if k.startswith("marsad/dropped/")}
    return {
        "articles_stored": stored,
        "articles_this_run": stats.get("marsad/articles", 0),
        "store": {k.split("/", 2)[-1]: v for k, v in stats.items() if k.startswith("marsad/store/")},
        "dropped_this_run": dict(sorted(dropped_now.items(), key=lambda kv: -kv[1])),
        "drops_recorded": drops,
        "requests": stats.get("downloader/request_count", 0),
        "elapsed_s": stats.get("elapsed_time_seconds"),
        "sample": sample and {k: sample.get(k) for k in ("title", "published_local", "url")},
    }


def format_summary(summary: dict[str, Any]) -> str:
    lines = [
        "",
        "== Marsad crawl summary ==",
        f"articles in the archive: {summary['articles_stored']}"
        f" (this run: {summary['articles_this_run']} processed, {summary['requests']} requests"
        + (f", {summary['elapsed_s']:.1f} s)" if summary.get("elapsed_s") else ")"),
    ]
    store = summary.get("store") or {}
    if store:
        parts = [f"{k} {store[k]}" for k in ("new", "updated", "unchanged", "kept_existing")
                 if k in store]
        lines.append("articles written this run: " + ", ".join(parts)
                     + f"; copies of an article under another URL: {store.get('duplicates', 0)}")
    dropped = summary.get("dropped_this_run") or {}
    lines.append("dropped this run, by reason: " + (
        ", ".join(f"{reason} {n}" for reason, n in dropped.items()) or "none"))
    sample = summary.get("sample")
    if sample:
        lines.append(f"sample: «{sample['title']}» published {sample['published_local']}")
        lines.append(f"        {sample['url']}")
    return "\n".join(lines)
