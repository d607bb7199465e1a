"""A source's ``schedule``: an interval (``every 30m``) or a cron expression (in UTC).

Its own module so the registry (``crawler.sources``) can check schedules and the
scheduler (``crawler.schedule``) can run them without importing each other.
"""
from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from typing import Any

from croniter import croniter

_INTERVAL_RE = re.compile(r"^every\s+((?:\d+\s*[smhd]\s*)+)$", re.IGNORECASE)
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class ScheduleError(ValueError):
    """A schedule string that is neither an interval nor a cron expression."""


@dataclass(frozen=True)
class Schedule:
    """A parsed schedule: ``interval`` seconds, or a ``cron`` expression (in UTC)."""

    text: str
    interval: float | None = None
    cron: str | None = None

    def next_after(self, moment: _dt.datetime) -> _dt.datetime:
        """The first run time strictly after ``moment``."""
        if self.interval is not None:
            return moment + _dt.timedelta(seconds=self.interval)
        return croniter(self.cron, moment).get_next(_dt.datetime)


def parse_schedule(text: Any) -> Schedule:
    """Parse ``every 30m`` / ``every 1h30m`` / ``every 45s`` or a cron expression
    (5 fields, minute first, in UTC; 6 with seconds; or ``@hourly``/``@daily``...)."""
    usage = ("expected a cron expression such as '*/30 * * * *' (UTC) or an interval such as "
             "'every 30m' (units s, m, h, d)")
    if not isinstance(text, str) or not text.strip():
        raise ScheduleError(f"{usage}, got {text!r}")
    value = " ".join(text.split())
    match = _INTERVAL_RE.match(value)
    if match:
        seconds = sum(int(n) * _UNIT_SECONDS[u.lower()]
                      for n, u in re.findall(r"(\d+)\s*([smhdSMHD])", match.group(1)))
        if seconds <= 0:
            raise ScheduleError(f"interval must be longer than 0 seconds, got {text!r}")
        return Schedule(value, interval=float(seconds))
    if value.lower().startswith("every"):
        raise ScheduleError(f"{usage}, got {text!r}")
    fields = value.split()
    if not (value.startswith("@") or len(fields) in (5, 6)) or not croniter.is_valid(value):
        raise ScheduleError(f"{usage}, got {text!r}")
    return Schedule(value, cron=value)
