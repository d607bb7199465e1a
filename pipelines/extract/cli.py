"""Command line: extract article records from saved HTML files.

    python -m pipelines.extract [--url URL] [--timezone TZ] [--language ar] FILE.html ...
    python -m pipelines.extract - < jobs.jsonl     # {"path":..., "url":..., "timezone":...}

One JSON object per file (or input line) on stdout, UTF-8, Arabic unescaped. A file
that cannot be read, decoded or parsed gets ``"error": "<reason>: <detail>"``.
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Iterable, TextIO

from .article import extract_article
from .decode import decode_html
from .errors import ExtractionError
from .parse import parse_html

_DATE_KEYS = ("published", "published_utc", "published_precision", "published_source",
              "published_raw", "modified", "modified_utc")
_ARTICLE_KEYS = ("title", "text", "paragraphs", "authors", "language", "canonical_url", "sitename",
                 "categories", "tags", "image", "description", "is_article", "drop_reason", "quality",
                 "extractor_version")


def _dates(tree: Any, url: str | None, timezone: str | None) -> dict[str, Any]:
    try:
        from pipelines.dates import find_publication_date
    except ImportError as err:
        return {key: None for key in _DATE_KEYS} | {"date_error": f"pipelines.dates unavailable: {err}"}
    try:
        found = find_publication_date(tree, url=url, timezone=timezone)
    except Exception as err:  # a dates bug must not lose the article
        return {key: None for key in _DATE_KEYS} | {"date_error": f"{type(err).__name__}: {err}"}
    return {key: found.get(key) for key in _DATE_KEYS} if isinstance(found, dict) else \
        {key: None for key in _DATE_KEYS}


def extract_file(path: str, url: str | None = None, timezone: str | None = None,
                 language: str | None = "ar") -> dict[str, Any]:
    """The record for one saved page; never raises."""
    record: dict[str, Any] = {"path": path, "url": url}
    record.update({key: None for key in _ARTICLE_KEYS + _DATE_KEYS})
    try:
        with open(path, "rb") as fh:
            body = fh.read()
    except (OSError, TypeError, ValueError) as err:
        record["error"] = f"unreadable: {err}"
        return record
    try:
        html, encoding = decode_html(body)
        tree = parse_html(html)
        record["encoding"] = encoding
        # Dates first: extract_article may remove the clock and dateline nodes.
        record.update(_dates(tree, url, timezone))
        record.update(extract_article(tree, url=url, language=language))
    except ExtractionError as err:
        record["error"] = f"{err.reason}: {err.detail}"
    except Exception as err:  # never crash on one bad file; say what happened
        record["error"] = f"internal: {type(err).__name__}: {err}"
    return record


def _jobs_from_stdin(stream: TextIO) -> Iterable[tuple[dict[str, Any] | None, str | None]]:
    for line in stream:
        if not line.strip():
            continue
        try:
            job = json.loads(line)
        except ValueError as err:
            yield None, f"bad_input: {err}"
            continue
        if not isinstance(job, dict) or not isinstance(job.get("path"), str):
            yield None, "bad_input: each line must be an object with a string \"path\""
            continue
        yield job, None


def _emit(record: dict[str, Any], out: TextIO) -> None:
    out.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
    out.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipelines.extract",
                                     description="Extract article records from saved HTML files.")
    parser.add_argument("--url", help="the URL the page(s) were fetched from")
    parser.add_argument("--timezone", help="IANA time zone of the site, e.g. Africa/Cairo")
    parser.add_argument("--language", default="ar", help="expected language of the site (default ar)")
    parser.add_argument("files", nargs="+", help="HTML files, or - to read JSON Lines jobs from stdin")
    args = parser.parse_args(argv)
    out = sys.stdout
    if hasattr(out, "reconfigure"):
        out.reconfigure(encoding="utf-8")
    if args.files == ["-"]:
        for job, error in _jobs_from_stdin(sys.stdin):
            if job is None:
                _emit({"path": None, "url": None, "error": error}, out)
                continue
            _emit(extract_file(job["path"], job.get("url") or args.url,
                               job.get("timezone") or args.timezone, args.language), out)
        return 0
    for path in args.files:
        _emit(extract_file(path, args.url, args.timezone, args.language), out)
    return 0
