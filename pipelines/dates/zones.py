"""Time zones: the site's IANA zone, and zones stated in the text («بتوقيت دمشق»,
«GMT+3», «(GMT+0400)»), which win over the site's."""
from __future__ import annotations

import re
from datetime import UTC, timedelta, tzinfo
from datetime import timezone as dt_timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

from .lexicon import Lexicon

_OFFSET_RE = re.compile(
    r"(?<!\w)(?:ب?توقيت\s*)?(?:gmt|utc|غرينتش|جرينتش|غرينيتش|جرينيتش)\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?(?!\d)")


@lru_cache(maxsize=256)
def get_zone(name: str | None) -> tzinfo | None:
    """IANA zone by name; None for an empty or unknown name (never raises)."""
    if not name or not isinstance(name, str):
        return None
    name = name.strip()
    if name.upper() in ("UTC", "GMT", "Z"):
        return UTC
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        m = re.fullmatch(r"(?:utc|gmt)?\s*([+-])(\d{1,2})(?::?(\d{2}))?", name, re.I)
        if m:
            return fixed_offset(m.group(1), m.group(2), m.group(3))
        return None


def fixed_offset(sign: str, hours: str, minutes: str | None) -> tzinfo | None:
    h, mi = int(hours), int(minutes or 0)
    if h > 14 or mi > 59:
        return None
    delta = timedelta(hours=h, minutes=mi)
    return dt_timezone(-delta if sign == "-" else delta)


_CLOCK_OFFSET_RE = re.compile(r"(\d{1,2}:\d{2}(?::\d{2})?)(?:[.,]\d+)?\s?(z|[+-]\d{2}:?\d{2})(?![\w:])")


def find_zone(text: str, lx: Lexicon) -> tuple[tzinfo | None, str]:
    """The zone stated in a folded text, and the text without the zone phrase."""
    m = _CLOCK_OFFSET_RE.search(text)
    if m:  # «10:05:00+03:00» inside a longer text
        off = m.group(2)
        zone = UTC if off == "z" else fixed_offset(off[0], off[1:3], off[-2:])
        if zone is not None:
            return zone, (text[: m.start()] + m.group(1) + " " + text[m.end():]).strip()
    m = _OFFSET_RE.search(text)
    if m:
        zone = fixed_offset(m.group(1), m.group(2), m.group(3))
        if zone is not None:
            return zone, _cut(text, m)
    m = lx.zone_re.search(text)
    if m:
        zone = get_zone(lx.zone_phrases.get(m.group(1)))
        if zone is not None:
            return zone, _cut(text, m)
    m = lx.utc_re.search(text)
    if m:
        return UTC, _cut(text, m)
    return None, text


def _cut(text: str, m: re.Match) -> str:
    return (text[: m.start()] + " " + text[m.end():]).strip()
