"""Schedule strings: intervals and cron expressions, and the registry's message for bad ones."""
from __future__ import annotations

import datetime as dt

import pytest

from crawler.schedule import ScheduleError, parse_schedule
from crawler.sources import SourceRegistryError, parse_source

T0 = dt.datetime(2026, 3, 1, 10, 7, 30, tzinfo=dt.timezone.utc)


@pytest.mark.parametrize("text,seconds", [
    ("every 30m", 1800), ("every 45s", 45), ("EVERY 2h", 7200), ("every 1h30m", 5400),
    ("every  1d 12h", 129600), ("every 5 m", 300),
])
def test_intervals(text, seconds):
    schedule = parse_schedule(text)
    assert schedule.interval == seconds and schedule.cron is None
    assert schedule.next_after(T0) - T0 == dt.timedelta(seconds=seconds)


@pytest.mark.parametrize("text,expected", [
    ("*/15 * * * *", dt.datetime(2026, 3, 1, 10, 15, tzinfo=dt.timezone.utc)),
    ("0 */6 * * *", dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.timezone.utc)),
    ("30 2 * * 1", dt.datetime(2026, 3, 2, 2, 30, tzinfo=dt.timezone.utc)),  # 2026-03-02 is a Monday
    ("@daily", dt.datetime(2026, 3, 2, 0, 0, tzinfo=dt.timezone.utc)),
])
def test_cron(text, expected):
    schedule = parse_schedule(text)
    assert schedule.cron == text and schedule.interval is None
    assert schedule.next_after(T0) == expected
    # strictly after: asking at a run time gives the following one
    assert schedule.next_after(expected) > expected


@pytest.mark.parametrize("bad", [
    "every", "every 0m", "every 10x", "every -5m", "hourly", "* * *", "61 * * * *",
    "*/5 * * * * * *", "", "   ", None, 30, ["every 5m"],
])
def test_bad_schedules_fail_clearly(bad):
    with pytest.raises(ScheduleError) as info:
        parse_schedule(bad)
    assert "every 30m" in str(info.value) or "longer than 0" in str(info.value)


def _entry(**extra):
    return {"id": "s1", "name": "S", "base_url": "https://example.org/", "language": "ar",
            "timezone": "Asia/Damascus", "feeds": ["https://example.org/feed"], **extra}


def test_registry_validates_schedule():
    assert parse_source(_entry(schedule="every 30m"), 0).schedule == "every 30m"
    assert parse_source(_entry(schedule="0  *  * * *"), 0).schedule == "0 * * * *"
    assert parse_source(_entry(), 0).schedule is None
    with pytest.raises(SourceRegistryError) as info:
        parse_source(_entry(schedule="every tuesday"), 0)
    message = str(info.value)
    assert "'s1'" in message and "'schedule'" in message and "every tuesday" in message


def test_shipped_deploy_commands_parse():
    """The crontab and systemd examples call the scheduler with options it knows."""
    import re
    import shlex
    from pathlib import Path

    from crawler.schedule import _parser

    deploy = Path(__file__).resolve().parent.parent / "deploy"
    commands = []
    for path in [deploy / "crontab.example", *sorted((deploy / "systemd").glob("*.service"))]:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.lstrip().startswith("#"):
                continue
            found = re.search(r"-m crawler\.schedule(.*?)(>>|$)", line)
            if found:
                commands.append(shlex.split(found.group(1).replace("%i", "some-source")))
    assert len(commands) >= 5
    for args in commands:
        parsed = _parser().parse_args(args)
        assert parsed.max_run_time > 0
