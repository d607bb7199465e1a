"""Small shared pieces: what the parser found, and date/time constructors that
return None instead of raising on impossible values."""
from __future__ import annotations

from datetime import date, datetime, time


class Found:
    """What the parser read, before it is shown in a zone.

    Either a local ``day`` (+ optional ``time``), or an exact ``instant`` (aware
    datetime: relative «منذ ٣ ساعات» or an ISO value with an offset)."""
    __slots__ = ("day", "time", "precision", "end", "instant")

    def __init__(self, day: date | None = None, at: time | None = None,
                 precision: str = "day", end: date | None = None,
                 instant: datetime | None = None) -> None:
        self.day, self.time, self.precision = day, at, precision
        self.end, self.instant = end, instant

    def __repr__(self) -> str:
        return f"Found({self.day}, {self.time}, {self.precision}, end={self.end}, instant={self.instant})"


def safe_date(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except (ValueError, OverflowError):
        return None


def safe_time(h: int, mi: int = 0, s: int = 0) -> time | None:
    if h == 24 and mi == 0:
        h = 0
    s = min(s, 59)  # leap-second notation «:60»
    try:
        return time(h, mi, s)
    except (ValueError, OverflowError):
        return None
