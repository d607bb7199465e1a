"""Command line: extract article records from saved HTML files and directories.

    python -m pipelines.extract [--url URL] [--timezone TZ] [--language ar] FILE.html|DIR ...
    python -m pipelines.extract - < jobs.jsonl     # {"path":..., "url":..., "timezone":...}
    python -m pipelines.extract DIR -o OUT [--output-format txt|markdown|json] [--keep-dirs]
                                [--with-metadata]

One JSON object per file (or input line) on stdout, UTF-8, Arabic unescaped; directories
are read recursively (``*.html``, ``*.htm``, ``*.xhtml``, ``*.asp(x)``, ``*.php`` and files
without an extension). A file that cannot be read, decoded or parsed gets ``"error":
"<reason>: <detail>"``; a page that is not an article gets ``is_article: false`` with its
``drop_reason`` and the ``detail`` that decided it.

With ``--output-dir`` each article is also written to its own file there, as
trafilatura's command line does: plain text (``txt``), Markdown (``markdown``/``md``) or
one JSON object (``json``). File names keep the input's relative path with
``--keep-dirs``; otherwise they are the folded-text hash of the article
(``pipelines.arabic.text_hash``), so copies of one text land in one file. Pages that
are not articles get no file (their JSON line says why).

Each page goes through ``pipelines.process.process_page``, the composition the crawler
uses, so the command gives what a crawl would store.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TextIO

from pipelines.arabic import text_hash
from pipelines.process import process_page
from pipelines.records import Drop, Page

from .errors import DROP_REASONS

_DATE_KEYS = ("published", "published_utc", "published_precision", "published_source",
              "published_raw", "modified", "modified_utc", "published_zone_corrected")
_ARTICLE_KEYS = ("title", "text", "paragraphs", "captions", "authors", "language", "canonical_url",
                 "sitename", "categories", "tags", "image", "description", "is_article", "drop_reason",
                 "classifier", "quality", "extractor_version")
# Drops that mean the file could not be turned into a page at all.
_ERROR_REASONS = (DROP_REASONS - {"not_article", "empty_body", "video_only", "too_short", "wrong_language",
                                  "soft_404", "challenge_page"}) | {"internal_error"}
HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml", ".shtml", ".asp", ".aspx", ".php", ".jsp", ""})
FORMATS = {"txt": ".txt", "markdown": ".md", "md": ".md", "json": ".json"}


def _page(body: bytes, url: str | None, timezone: str | None, language: str | None) -> Page:
    """The page the crawler would build, for a saved file."""
    return Page(url=url, final_url=url, body=body, timezone=timezone, language=language or "ar")


# Output keys that the Article record names differently (its dates say which clock).
_RENAMED = {"published": "published_local", "modified": "modified_local"}


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
    result = process_page(_page(body, url, timezone, language), with_events=False)
    if isinstance(result, Drop):
        if result.code in _ERROR_REASONS:
            record["error"] = f"{result.code}: {result.detail or ''}".strip()
            return record
        record.update(is_article=False, drop_reason=result.code, detail=result.detail,
                      title=result.title, language=result.language)
        return record
    got = result.to_dict()
    got.update(is_article=True, drop_reason=None)
    for key in _ARTICLE_KEYS + _DATE_KEYS + ("encoding",):
        record[key] = got.get(_RENAMED.get(key, key))
    return record


def html_files(paths: Iterable[str]) -> Iterator[tuple[str, str]]:
    """(path, path relative to the directory given) for files and, recursively, directories."""
    for given in paths:
        if os.path.isdir(given):
            for root, dirs, files in os.walk(given):
                dirs.sort()
                for name in sorted(files):
                    if Path(name).suffix.lower() in HTML_SUFFIXES and not name.startswith("."):
                        full = os.path.join(root, name)
                        yield full, os.path.relpath(full, given)
        else:
            yield given, os.path.basename(given)


def _front_matter(record: dict[str, Any]) -> list[str]:
    fields = [("title", record.get("title")), ("author", "; ".join(record.get("authors") or []) or None),
              ("url", record.get("canonical_url") or record.get("url")), ("sitename", record.get("sitename")),
              ("date", record.get("published")), ("language", record.get("language")),
              ("categories", "; ".join(record.get("categories") or []) or None),
              ("tags", "; ".join(record.get("tags") or []) or None)]
    return ["---", *(f"{k}: {v}" for k, v in fields if v), "---"]


def render(record: dict[str, Any], fmt: str, with_metadata: bool = False) -> str:
    """One article as a txt, Markdown or JSON document."""
    if fmt == "json":
        keep = {k: v for k, v in record.items() if k not in ("path", "error")}
        return json.dumps(keep, ensure_ascii=False, default=str, indent=1)
    paragraphs = record.get("paragraphs") or []
    captions = record.get("captions") or []
    if fmt in ("markdown", "md"):
        lines = _front_matter(record) + [""] if with_metadata else []
        if record.get("title"):
            lines += [f"# {record['title']}", ""]
        for para in paragraphs:
            lines += [para, ""]
        for cap in captions:
            lines += [f"*{cap}*", ""]
        return "\n".join(lines).rstrip() + "\n"
    lines = _front_matter(record) if with_metadata else []
    return "\n".join(lines + list(paragraphs)) + "\n"


def write_output(record: dict[str, Any], relative: str, out_dir: str, fmt: str, keep_dirs: bool,
                 with_metadata: bool) -> str | None:
    """Write an article's file under ``out_dir``; its path, or None for non-articles."""
    if not record.get("is_article") or not record.get("text"):
        return None
    ext = FORMATS[fmt]
    if keep_dirs:
        target = Path(out_dir) / Path(relative).with_suffix(ext)
    else:
        target = Path(out_dir) / (text_hash(record["text"])[:20] + ext)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render(record, fmt, with_metadata), encoding="utf-8")
    return str(target)


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
    parser.add_argument("--input-dir", action="append", default=[],
                        help="a directory of saved pages, read recursively (also accepted as a positional)")
    parser.add_argument("-o", "--output-dir", help="also write one file per article into this directory")
    parser.add_argument("--output-format", choices=sorted(FORMATS), default="txt",
                        help="format of the files in --output-dir (default txt)")
    parser.add_argument("--keep-dirs", action="store_true",
                        help="name output files after the input's relative path instead of the text hash")
    parser.add_argument("--with-metadata", action="store_true",
                        help="txt/markdown: start each file with title, author, URL, date...")
    parser.add_argument("files", nargs="*", help="HTML files or directories, or - to read JSON Lines jobs")
    args = parser.parse_args(argv)
    if not args.files and not args.input_dir:
        parser.error("give HTML files, directories, --input-dir or -")
    out = sys.stdout
    if hasattr(out, "reconfigure"):
        out.reconfigure(encoding="utf-8")

    def handle(record: dict[str, Any], relative: str) -> None:
        if args.output_dir:
            try:
                record["output"] = write_output(record, relative, args.output_dir, args.output_format,
                                                args.keep_dirs, args.with_metadata)
            except OSError as err:
                record["output"], record["output_error"] = None, f"{type(err).__name__}: {err}"
        _emit(record, out)

    if args.files == ["-"]:
        for job, error in _jobs_from_stdin(sys.stdin):
            if job is None:
                _emit({"path": None, "url": None, "error": error}, out)
                continue
            record = extract_file(job["path"], job.get("url") or args.url,
                                  job.get("timezone") or args.timezone, args.language)
            handle(record, os.path.basename(job["path"]))
        return 0
    for path, relative in html_files([*args.input_dir, *args.files]):
        handle(extract_file(path, args.url, args.timezone, args.language), relative)
    return 0
