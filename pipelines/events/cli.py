"""``python -m pipelines.events``: JSON Lines in, one line out per input, same order.

Input lines: ``{"id": ..., "text": ..., "published": "<ISO 8601>", "timezone": "<IANA>"}``.
Output lines: ``{"id": ..., "events": [...]}``; a line that cannot be read gives
``{"id": <id or null>, "events": [], "error": "<why>"}``.
``--reprocess [--since DATE]`` re-runs the extractor over stored articles instead.
``--explain`` prints, for each input (JSON as above, or a plain text line), every candidate
with its factuality decision, cue and score, events and non-event mentions alike.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from typing import IO

from pipelines.archive import reprocess_command
from pipelines.config import ArchiveOptions, add_archive_options
from pipelines.events.extractor import EventExtractionError, analyse, extract_events


def process_line(line: str) -> dict:
    """One output record for one input line; never raises."""
    try:
        obj = json.loads(line)
    except ValueError as exc:
        return {"id": None, "events": [], "error": f"invalid JSON: {getattr(exc, 'msg', exc)}"}
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


def explain_line(line: str) -> list[str]:
    """Every candidate of one input line (a JSON object as above, or plain text), one line
    each: kind (EVENT or MENTION), sub-event type, trigger, decision, cue, score."""
    try:
        obj = json.loads(line)
    except ValueError:
        obj = {"text": line.rstrip("\n")}
    if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
        return ["! a line must be a JSON object with a 'text', or plain text"]
    pub, tz = obj.get("published"), obj.get("timezone")
    try:
        res = analyse(obj["text"], published=pub if isinstance(pub, str) else None,
                      timezone=tz if isinstance(tz, str) else None)
    except EventExtractionError as exc:
        return [f"# {obj.get('id')}", f"! events_error: {exc}"]
    rows = [(r["evidence"]["start"], "EVENT", r) for r in res.events] + \
        [(r["evidence"]["start"], "MENTION", r) for r in res.mentions]
    out = [f"# {obj.get('id')}: {len(res.events)} event(s), {len(res.mentions)} non-event mention(s)"]
    for _, kind, r in sorted(rows, key=lambda x: (x[0], x[1])):
        f = r["factuality"]
        score = f"{r['confidence']:.2f}" if "confidence" in r else "-"
        where = (r.get("location") or {}).get("name_en") or "-"
        actor = (r.get("actor1") or {}).get("name") or "-"
        out.append(f"{kind:7} {r['sub_event_type']:36} trigger={r['trigger']!r} decision={f['decision']} "
                   f"cue={f['cue']!r} score={score} actor1={actor} place={where}")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pipelines.events",
                                 description="Extract ACLED-style events from Arabic news text "
                                             "(JSON Lines on stdin).")
    ap.add_argument("--reprocess", action="store_true",
                    help="re-run the extractor over stored articles and replace their events")
    ap.add_argument("--since", help="with --reprocess: only articles published on or after this date")
    add_archive_options(ap)
    ap.add_argument("--explain", action="store_true",
                    help="print every candidate (events and non-event mentions) with its decision, "
                         "cue and score")
    args = ap.parse_args(argv)
    if args.reprocess:
        return reprocess_command(since=args.since, options=ArchiveOptions.from_args(args))
    if args.since:
        ap.error("--since goes with --reprocess")
    stdin = open(sys.stdin.fileno(), encoding="utf-8", errors="replace", closefd=False)
    stdout = open(sys.stdout.fileno(), "w", encoding="utf-8", closefd=False)
    if args.explain:
        for line in stdin:
            if line.strip():
                stdout.write("\n".join(explain_line(line)) + "\n")
                stdout.flush()
        return 0
    run_stream(stdin, stdout)
    return 0
