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
        event_query = {"source": {"$in": source_ids}} if source_ids else {}
        events_by_type = {row["_id"] or "?": row["n"] for row in db.events.aggregate([
            {"$match": event_query}, {"$group": {"_id": "$event_type", "n": {"$sum": 1}}},
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
        "events_by_type": events_by_type,
        "uri": uri,
        "data_dir": data_dir,
        "database": database,
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
    by_type = summary.get("events_by_type") or {}
    lines.append(f"events in the archive: {sum(by_type.values())}" + (
        " (" + ", ".join(f"{kind} {n}" for kind, n in by_type.items()) + ")" if by_type else ""))
    lines += next_steps(summary.get("uri"), summary.get("data_dir") or "./data", summary.get("database") or "marsad")
    return "\n".join(lines)


def next_steps(uri: str | None, data_dir: str, database: str) -> list[str]:
    """What to run next: the workbench, an export, and a mongosh line."""
    where = f"MONGO_URI={uri} " if uri else f"MARSAD_DATA_DIR={data_dir} "
    mongosh = (f"mongosh {uri}" if uri else
               f"{where}python -m workbench.mongo --port 27017   # then: mongosh mongodb://127.0.0.1:27017/{database}")
    return [
        "",
        "next:",
        f"  look at it:  {where}python -m workbench        # map, timeline, events, reviews on http://127.0.0.1:8765/",
        f"  export it:   {where}python -m pipelines.export --format acled-csv --output events.csv",
        f"  query it:    {mongosh}",
    ]
