"""``python -m pipelines.dates``: JSON Lines in, one JSON line out per input line.

Input objects: ``{"text": ..., "reference": "<ISO 8601 with offset>", "timezone": "<IANA>"}``.
Output objects: ``{"date", "datetime", "utc", "precision"}`` (nulls when the line holds no
date or is not valid JSON). The output line count always equals the input line count.
"""
from __future__ import annotations

import io
import json
import sys

from .normalise import normalise_date

_KEYS = ("date", "datetime", "utc", "precision")


def convert_line(line: str) -> dict:
    """One input line → one output object (nulls for anything unreadable)."""
    out = dict.fromkeys(_KEYS)
    try:
        obj = json.loads(line.lstrip("\ufeff"))  # a BOM from Windows editors
    except ValueError:
        return out
    if not isinstance(obj, dict):
        return out
    text = obj.get("text")
    reference = obj.get("reference")
    tz = obj.get("timezone")
    got = normalise_date(text if isinstance(text, str) else "",
                         reference=reference if isinstance(reference, str) else None,
                         timezone=tz if isinstance(tz, str) else None)
    if got:
        out.update({k: got[k] for k in _KEYS})
    return out


def main() -> int:
    stdin = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace")
    stdout = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", line_buffering=False)
    for line in stdin:
        line = line.rstrip("\r\n")
        stdout.write(json.dumps(convert_line(line), ensure_ascii=False) + "\n")
    stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
