"""Dates as the fixture pages print them: visible Arabic datelines and machine forms."""
from __future__ import annotations

from datetime import datetime, timezone
from email.utils import format_datetime

from .data import calendar

RLM = "\u200f"


def iso_local(dt: datetime) -> str:
    """ISO 8601 with the local offset, seconds included (what CMSs put in metadata)."""
    return dt.isoformat(timespec="seconds")


def iso_utc(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def rfc822(dt: datetime) -> str:
    """RSS pubDate form, keeping the site's own offset."""
    return format_datetime(dt)


def http_date(dt: datetime) -> str:
    return format_datetime(dt.astimezone(timezone.utc), usegmt=True)


def digits(text: str, style: str) -> str:
    if style != "eastern":
        return text
    eastern = calendar()["eastern_digits"]
    return text.translate({ord(str(i)): eastern[i] for i in range(10)})


def month_name(dt: datetime, style: str) -> str:
    return calendar()["months"][style][dt.month - 1]


def weekday_name(dt: datetime) -> str:
    return calendar()["weekdays"][dt.weekday()]


def clock_12h(dt: datetime) -> str:
    """'03:12 م' style time of day used by Egyptian portals."""
    mer = calendar()["meridiem"]["pm" if dt.hour >= 12 else "am"]
    hour = dt.hour % 12 or 12
    return f"{hour:02d}:{dt.minute:02d} {mer}"


def wrap_bidi(text: str, on: bool) -> str:
    return f"{RLM}{text}{RLM}" if on else text


def hijri(dt: datetime) -> str:
    """'2 شعبان 1436 هـ' (Umm al-Qura calendar, via hijridate)."""
    from hijridate import Gregorian

    h = Gregorian(dt.year, dt.month, dt.day).to_hijri()
    cal = calendar()
    return f"{h.day} {cal['hijri_months'][h.month - 1]} {h.year} {cal['hijri_suffix']}"


def with_hijri(gregorian: str, dt: datetime) -> str:
    """Hijri date first, then the Gregorian one, as Gulf and Levantine sites print them."""
    return f"{weekday_name(dt)} {hijri(dt)} {calendar()['hijri_link']} {gregorian}"
