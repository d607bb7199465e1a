"""``python -m pipelines.events``: JSON Lines in, one line out per input, same order.

Input lines: ``{"id": ..., "text": ..., "published": "<ISO 8601>", "timezone": "<IANA>"}``.
Output lines: ``{"id": ..., "events": [...]}``; a line that cannot be read gives
``{"id": <id or null>, "events": [], "error": "<why>"}``.
``--reprocess [--since DATE]`` re-runs the extractor over stored articles instead.
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import IO, Iterable

from pipelines.events.extractor import EventExtractionError, extract_events


def process_line(line: str) -> dict:
    """One output record for one input line; never raises."""
    try:
        obj = json.loads(line)
    except ValueError as exc:
        return {"id": None, "events": [], "error": f"invalid JSON: {exc.msg}"}
    if not isinstance(obj, dict):
        return {"id": None, "events": [], "error": "a line must hold a JSON object"}
    rid = obj.get("id")
    text = obj.get("text")
    if not isinstance(text, str):
        return {"id": rid, "events": [], "error": "missing or non-string 'text'"}
    published = obj.get("published")
    timezone = obj.get("timezone")
    if published is not None and not isinstance(published, str):
        return {"id": rid, "events": [], "error": "'published' must be an ISO 8601 string"}
    if timezone is not None and not isinstance(timezone, str):
        return {"id": rid, "events": [], "error": "'timezone' must be an IANA zone name"}
    source = obj.get("source") if isinstance(obj.get("source"), str) else None
    try:
        events = extract_events(text, published=published, timezone=timezone, source=source)
    except EventExtractionError as exc:
        return {"id": rid, "events": [], "error": f"events_error: {exc}"}
    return {"id": rid, "events": events}


def run_stream(lines: Iterable[str], out: IO[str]) -> int:
    n = 0
    for line in lines:
        if not line.strip():
            continue
        out.write(json.dumps(process_line(line), ensure_ascii=False) + "\n")
        out.flush()
        n += 1
    return n


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pipelines.events",
                                 description="Extract ACLED-style events from Arabic news text (JSON Lines on stdin).")
    ap.add_argument("--reprocess", action="store_true",
                    help="re-run the extractor over stored articles and replace their events")
    ap.add_argument("--since", help="with --reprocess: only articles published on or after this date")
    args = ap.parse_args(argv)
    if args.reprocess:
        from pipelines.events.store import reprocess_command
        return reprocess_command(since=args.since)
    if args.since:
        ap.error("--since goes with --reprocess")
    stdin = open(sys.stdin.fileno(), encoding="utf-8", errors="replace", closefd=False)
    stdout = open(sys.stdout.fileno(), "w", encoding="utf-8", closefd=False)
    run_stream(stdin, stdout)
    return 0
