"""Hijri (Umm al-Qura) ↔ Gregorian through the maintained ``hijridate`` package."""
from __future__ import annotations

from datetime import date, timedelta

from hijridate import Gregorian, Hijri


def hijri_to_gregorian(year: int, month: int, day: int) -> date | None:
    """Gregorian date of a Hijri date; None outside the converter's range.

    Day 30 of a 29-day month (a common site error) rolls over to the next day, as the
    month's first day plus 29 days."""
    if not (1 <= month <= 12 and 1 <= day <= 30):
        return None
    try:
        return date(*Hijri(year, month, day).to_gregorian().datetuple())
    except (ValueError, OverflowError):
        pass
    try:
        first = date(*Hijri(year, month, 1).to_gregorian().datetuple())
    except (ValueError, OverflowError):
        return None
    return first + timedelta(days=day - 1)


def gregorian_year_to_hijri(day: date) -> int:
    """Hijri year of a Gregorian date (approximated outside the converter's range)."""
    try:
        return Gregorian(day.year, day.month, day.day).to_hijri().year
    except (ValueError, OverflowError):
        return round((day.year - 622) * 33 / 32)
