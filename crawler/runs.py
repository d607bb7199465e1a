"""Crawl run records: one ``crawl_runs`` document per `scrapy crawl` run.

``RunRecorder`` is a Scrapy extension. When the spider closes it turns the crawl's
stats (Scrapy's own and the ``marsad/*`` ones the pipelines keep) into one document and
writes it. It opens its own connection at that moment because the store pipeline has
already closed its one (and, without ``MONGO_URI``, stopped the embedded server).

``python -m crawler.runs [--source ID] [--last N]`` prints the latest runs per source.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import logging
import os
import socket
import sys
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.extensions.corestats import CoreStats

from pipelines import config
from pipelines.config import add_archive_options
from pipelines.secrets import redact, redact_all
from pipelines.storage import StorageError, open_database
from pipelines.storage.names import RUNS

log = logging.getLogger(__name__)

ARTICLE_COUNTS = ("new", "updated", "unchanged", "kept_existing", "not_modified")
# finish_reason -> outcome: a run that was stopped on purpose is not a failure.
_OUTCOMES = {"finished": "finished", "shutdown": "interrupted", "cancelled": "interrupted"}


def _now() -> _dt.datetime:
    moment = _dt.datetime.now(_dt.UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def _aware(moment: Any) -> _dt.datetime | None:
    if not isinstance(moment, _dt.datetime):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=_dt.UTC)


def _prefixed(stats: Mapping[str, Any], prefix: str) -> dict[str, int]:
    return {key[len(prefix):]: int(value) for key, value in stats.items()
            if key.startswith(prefix) and isinstance(value, (int, float))}


def outcome_of(finish_reason: str | None, stats: Mapping[str, Any]) -> str:
    """``finished``, ``interrupted`` (stopped by a signal or the scheduler), or ``failed``."""
    if stats.get("marsad/store_error"):
        return "failed"
    if finish_reason and finish_reason.startswith("closespider_"):
        return "finished"  # a configured limit was reached
    return _OUTCOMES.get(finish_reason or "", "failed")


def build_run_document(stats: Mapping[str, Any], *, run_id: str, sources: Iterable[str],
                       finish_reason: str | None, started: _dt.datetime | None = None,
                       finished: _dt.datetime | None = None) -> dict[str, Any]:
    """One ``crawl_runs`` document from a crawl's stats (a plain mapping)."""
    started = _aware(started or stats.get("start_time")) or _now()
    finished = _aware(finished or stats.get("finish_time")) or _now()
    dropped = _prefixed(stats, "marsad/dropped/")
    articles = {name: int(stats.get(f"marsad/store/{name}", 0) or 0) for name in ARTICLE_COUNTS}
    articles["not_modified"] = int(stats.get("marsad/not_modified", 0) or 0)
    return {
        "_id": run_id,
        "sources": sorted(sources),
        "started_at": started,
        "finished_at": finished,
        "duration_s": round((finished - started).total_seconds(), 3),
        "finish_reason": finish_reason,
        "outcome": outcome_of(finish_reason, stats),
        "requests": int(stats.get("downloader/request_count", 0) or 0),
        "responses": int(stats.get("downloader/response_count", 0) or 0),
        "responses_by_status": dict(_prefixed(stats, "downloader/response_status_count/")),
        "bytes": int(stats.get("downloader/response_bytes", 0) or 0),
        "articles": articles,
        "articles_stored": int(stats.get("marsad/articles", 0) or 0),
        "dropped": dropped,
        "blocked": int(dropped.get("challenge_page", 0)),
        "fetch_errors": _prefixed(stats, "marsad/fetch_errors/"),
        # known articles skipped (not_due) or fetched again, and why (crawler/spiders/news.py)
        "incremental": _prefixed(stats, "marsad/incremental/"),
        "warc_records": int(stats.get("marsad/warc_records", 0) or 0),
        "errors_logged": int(stats.get("log_count/ERROR", 0) or 0),
        "store_error": redact(stats.get("marsad/store_error")),
        "host": socket.gethostname(),
        "pid": os.getpid(),
    }


def ensure_run_indexes(db) -> None:
    db[RUNS].create_index([("sources", 1), ("started_at", -1)], name="sources_started")
    db[RUNS].create_index([("started_at", -1)], name="started")


class StartSafeCoreStats(CoreStats):
    """Scrapy's CoreStats, quiet when a crawl that never opened is closed (a failed
    start-up, which ``scrapy crawl`` reports in one line, not with an AssertionError)."""

    def spider_closed(self, spider: Any, reason: str) -> None:
        if self.start_time is None:
            self.stats.set_value("finish_reason", reason)
            return
        super().spider_closed(spider, reason)


class RunRecorder:
    """Scrapy extension writing a ``crawl_runs`` document when the spider closes."""

    def __init__(self, crawler: Any):
        self.crawler = crawler
        settings = crawler.settings
        self.run_id = settings.get("MARSAD_RUN_ID") or uuid.uuid4().hex
        self.uri = settings.get("MONGO_URI")
        self.database = settings.get("MONGO_DATABASE") or config.DEFAULT_DATABASE
        self.data_dir = settings.get("MONGO_DATA_DIR") or config.DEFAULT_DATA_DIR
        self.started = _now()
        self.opened = False

    @classmethod
    def from_crawler(cls, crawler: Any) -> RunRecorder:
        if not crawler.settings.getbool("MARSAD_RUN_RECORDS", True):
            raise NotConfigured
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: Any) -> None:
        self.started = _now()
        self.opened = True
        spider.logger.info("run %s started", self.run_id)

    def spider_closed(self, spider: Any, reason: str) -> None:
        if not self.opened:
            return  # it never started: `scrapy crawl` says why (exit code 2)
        sources = list(getattr(spider, "sources", {}) or {})
        stats = dict(self.crawler.stats.get_stats())
        doc = build_run_document(stats, run_id=self.run_id, sources=sources,
                                 finish_reason=reason, started=self.started, finished=_now())
        store_error = stats.get("marsad/store_error")
        if store_error and not self.uri:
            # The crawl's own embedded server failed (a full disk panics it); opening its
            # directory again in this process would only fail with a misleading message.
            log.error("run record %s not written: the store failed during the crawl: %s",
                      self.run_id, redact(store_error))
            return
        try:
            write_run(doc, self.uri, self.database, self.data_dir)
        except Exception as exc:  # the crawl itself is done; a lost record is logged, not raised
            cause = f" (the store had failed during the crawl: {store_error})" if store_error else ""
            log.error("could not write run record %s: %s%s", self.run_id, redact(str(exc)), redact(cause))
            return
        spider.logger.info("run %s recorded in %s: %s, %d new, %d updated, %d unchanged",
                           self.run_id, RUNS, doc["outcome"], doc["articles"]["new"],
                           doc["articles"]["updated"], doc["articles"]["unchanged"])


def write_run(doc: Mapping[str, Any], uri: str | None, database: str, data_dir: str) -> None:
    """Upsert a run document (a scheduler may already have written its own fields)."""
    with open_database(uri, database, data_dir) as conn:
        ensure_run_indexes(conn.db)
        fields = {k: redact_all(v) for k, v in doc.items() if k != "_id"}
        conn.db[RUNS].update_one({"_id": doc["_id"]}, {"$set": fields}, upsert=True)


# -- the table command ------------------------------------------------------------

COLUMNS = ("source", "started (UTC)", "min", "outcome", "req", "2xx", "304", "4xx/5xx",
           "new", "upd", "same", "drop", "blocked", "MB")


def _status_sum(by_status: Mapping[str, int], lo: int, hi: int) -> int:
    return sum(n for code, n in by_status.items() if code.isdigit() and lo <= int(code) < hi)


def table_rows(runs: Iterable[Mapping[str, Any]]) -> list[tuple[str, ...]]:
    """One row per (run, source) for the table command."""
    rows: list[tuple[str, ...]] = []
    for run in runs:
        statuses = run.get("responses_by_status") or {}
        articles = run.get("articles") or {}
        started = _aware(run.get("started_at"))
        row = (
            started.strftime("%Y-%m-%d %H:%M:%S") if started else "?",
            f"{(run.get('duration_s') or 0) / 60:.1f}",
            str(run.get("outcome") or "?"),
            str(run.get("requests", 0)),
            str(_status_sum(statuses, 200, 300)),
            str(statuses.get("304", 0)),
            str(_status_sum(statuses, 400, 600)),
            str(articles.get("new", 0)), str(articles.get("updated", 0)),
            str(articles.get("unchanged", 0) + articles.get("not_modified", 0)),
            str(sum((run.get("dropped") or {}).values())),
            str(run.get("blocked", 0)),
            f"{(run.get('bytes') or 0) / 1e6:.1f}",
        )
        rows.append((",".join(run.get("sources") or ["?"]), *row))
    return rows


def format_table(rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(c), *(len(r[i]) for r in rows)) if rows else len(c) for i, c in enumerate(COLUMNS)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(COLUMNS, widths, strict=True))]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=False)) for row in rows]
    return "\n".join(lines)


def last_runs(db, source: str | None = None, last: int = 5) -> list[dict]:
    """The ``last`` latest runs of each source (or of one), each run once (a run over
    several sources is one row), newest first."""
    query = {"sources": source} if source else {}
    ids = sorted(db[RUNS].distinct("sources", query)) if not source else [source]
    seen: dict[Any, dict] = {}
    for sid in ids:
        for run in db[RUNS].find({"sources": sid}).sort("started_at", -1).limit(last):
            seen.setdefault(run["_id"], run)
    epoch = _dt.datetime.min.replace(tzinfo=_dt.UTC)
    return sorted(seen.values(), key=lambda r: _aware(r.get("started_at")) or epoch, reverse=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crawler.runs",
                                     description="Print the latest crawl runs per source.")
    parser.add_argument("--source", help="only this source id")
    parser.add_argument("--last", type=int, default=5, help="runs per source (default 5)")
    add_archive_options(parser)
    args = parser.parse_args(argv)
    if args.last < 1:
        parser.error("--last must be at least 1")
    try:
        with open_database(args.mongo_uri, args.database, args.data_dir) as conn:
            runs = last_runs(conn.db, args.source, args.last)
    except StorageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not runs:
        print("no crawl runs recorded" + (f" for source {args.source!r}" if args.source else ""))
        return 0
    print(format_table(table_rows(runs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
