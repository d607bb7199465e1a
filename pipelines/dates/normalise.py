"""Arabic date expression → local date, datetime with offset, UTC instant, precision.

Marsad's own parser handles the forms news sites use (three Gregorian month-name
systems, Hijri months, numeric dates, clock times, zone phrases, relative expressions)
on a token form of the text (see :mod:`tokens`). Only what it cannot read goes to
dateparser, after the same pre-normalisation, so dateparser sees text it can handle.
"""
from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from datetime import timezone as dt_timezone
from typing import Any

from .lexicon import fold, lexicon
from .model import Found, safe_date, safe_time
from .parse import parse_tokens
from .tokens import tokenise
from .zones import find_zone, get_zone

MIN_YEAR, MAX_YEAR = 1900, 2100
MAX_TEXT = 400  # longer inputs are datelines with noise around them; the head suffices
UTC = UTC


# ---------------------------------------------------------------- public entry point

def normalise_date(text: str, reference: datetime | str | None = None,
                   timezone: str | None = None) -> dict | None:
    """Read one Arabic (or numeric/English) date expression.

    Returns ``{"date", "datetime", "utc", "precision", "end"}`` or None when the text
    holds no date. ``reference`` resolves relative expressions (default: now);
    ``timezone`` is the site's IANA zone, overridden by a zone stated in the text.
    Never raises.
    """
    try:
        return _normalise(text, reference, timezone)
    except Exception:  # noqa: BLE001 - documented contract: never raise on any input
        return None


def _normalise(text: Any, reference: Any, timezone: str | None) -> dict | None:
    if not isinstance(text, str):
        return None
    folded = fold(text[:MAX_TEXT])
    if not folded or not any(c.isdigit() or c.isalpha() for c in folded):
        return None
    site_tz = get_zone(timezone) if timezone else None
    ref = parse_reference(reference, site_tz)
    stated_tz, folded = find_zone(folded, lexicon())
    tz = stated_tz or site_tz or ref.tzinfo or UTC
    ref_local = ref.astimezone(tz)

    if lexicon().now_re.match(folded):
        return _result(Found(instant=ref_local, precision="minute"), tz)
    iso = _iso(folded)
    found: Found | None
    if iso is not None:
        found = iso
        if iso.instant is not None and iso.instant.tzinfo is not None:
            tz = iso.instant.tzinfo  # a stated offset beats the site's zone
    else:
        found = parse_tokens(tokenise(folded, lexicon()), ref_local)
    if found is None:
        found = _fallback(folded, ref_local, tz)
    if found is None:
        return None
    return _result(found, tz)


def parse_reference(reference: Any, tz: tzinfo | None = None) -> datetime:
    """The reference moment as an aware datetime (naive values are read in ``tz``)."""
    ref: datetime | None = None
    if isinstance(reference, datetime):
        ref = reference
    elif isinstance(reference, date):
        ref = datetime.combine(reference, time(0))
    elif isinstance(reference, str) and reference.strip() and reference.strip().lower() != "now":
        try:
            ref = datetime.fromisoformat(reference.strip().replace("z", "Z"))
        except ValueError:
            ref = None
    if ref is None:
        return datetime.now(UTC)
    if ref.tzinfo is None:
        ref = ref.replace(tzinfo=tz or UTC)
    return ref


# ---------------------------------------------------------------- result assembly

def _result(found: Found, tz: tzinfo) -> dict | None:
    day: date | None
    at: time | None
    if found.instant is not None:
        local = found.instant.astimezone(tz)
        day, at = local.date(), local.time().replace(microsecond=0)
    else:
        day, at = found.day, found.time
    if day is None or not MIN_YEAR <= day.year <= MAX_YEAR:
        return None
    if at is None:
        start = datetime.combine(day, time(0), tzinfo=tz)
        dt_iso = None
    else:
        start = datetime.combine(day, at.replace(microsecond=0), tzinfo=tz)
        dt_iso = start.isoformat()
    utc = start.astimezone(UTC)
    end = found.end if found.end and MIN_YEAR <= found.end.year <= MAX_YEAR else None
    return {
        "date": day.isoformat(),
        "datetime": dt_iso,
        "utc": utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "precision": found.precision,
        "end": end.isoformat() if end else None,
    }


# ---------------------------------------------------------------- ISO 8601 fast path

_ISO_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})(?:[t ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?"
    r"\s*(z|[+-]\d{2}:?\d{2}|[+-]\d{2})?)?$")


def _iso(text: str) -> Found | None:
    m = _ISO_RE.match(text)
    if not m:
        return None
    y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    day = safe_date(y, mo, d)
    if day is None:
        return None
    if m.group(4) is None:
        return Found(day, None, "day")
    at = safe_time(int(m.group(4)), int(m.group(5)), int(m.group(6) or 0))
    if at is None:
        return None
    off = m.group(7)
    if off:
        zone = UTC if off == "z" else _offset_zone(off)
        instant = datetime.combine(day, at, tzinfo=zone)
        return Found(instant=instant, precision="minute")
    return Found(day, at, "minute")


def _offset_zone(off: str) -> tzinfo:
    sign = -1 if off[0] == "-" else 1
    digits = off[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    return dt_timezone(sign * timedelta(hours=hours, minutes=minutes))


# ---------------------------------------------------------------- dateparser fallback

_DP_SETTINGS = {"PREFER_DAY_OF_MONTH": "first", "RETURN_AS_TIMEZONE_AWARE": False,
                "DATE_ORDER": "DMY", "STRICT_PARSING": False}
_LETTERS_RE = re.compile(r"[^\W\d_]")


def _fallback(text: str, ref: datetime, tz: tzinfo) -> Found | None:
    """dateparser for what Marsad's parser did not read (pre-normalised text)."""
    if not _LETTERS_RE.search(text) or len(text) > 80:
        return None
    if not re.search(r"[0-9a-z]", text):
        # Arabic words without a digit: the Arabic date words dateparser knows are in
        # Marsad's lexicon too, so dateparser would only spend a millisecond to say no.
        return None
    import dateparser  # slow to import: only when needed

    settings = dict(_DP_SETTINGS, RELATIVE_BASE=ref.replace(tzinfo=None))
    try:
        got = dateparser.parse(text, languages=["ar", "en"], settings=settings)
    except Exception:  # noqa: BLE001 - dateparser raises on odd input
        return None
    if got is None:
        return None
    has_time = (got.hour, got.minute, got.second) != (0, 0, 0)
    return Found(got.date(), got.time().replace(microsecond=0) if has_time else None,
                  "minute" if has_time else "day")

