"""Reads the token form of a date text (see :mod:`tokens`) into a :class:`Found`.

Order: clock time first (it is removed so its digits are not read as a date), then
absolute dates (numeric, day-month-year in either order, month-year, year), then
relative ones (durations, day words, weekdays, last/next week/month/year).
"""
from __future__ import annotations

import calendar
import re
from datetime import date, datetime, time, timedelta

from .hijri import gregorian_year_to_hijri, hijri_to_gregorian
from .lexicon import lexicon
from .model import Found, safe_date, safe_time

YEAR_END = r"(?!\d)"


def _month(name: str) -> str:
    """A month token (``M03`` Gregorian, ``H09`` Hijri) as groups ``<name>_cal`` and ``<name>``."""
    return rf"(?P<{name}_cal>[MH])(?P<{name}>\d\d)"


MONTH = _month("month")

# Clock rules: groups ``hour``, ``minute``, ``second`` and ``half`` (AM/PM) where they apply.
_CLOCK_RE = re.compile(
    r"(?<![\w:])(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?(?![\d:])"
    r"(?:\s*(?P<half>AM|PM|ص|م|a|p)(?![\w]))?")
# «الساعة الثامنة وعشرين دقيقة»: an hour word and a count of minutes.
_HOUR_AND_MINUTES_RE = re.compile(
    r"الساعه\s*(?P<hour>\d{1,2})\s+(?:و\s*)?(?P<minute>\d{1,2})\s*U:minute(?:\s*(?P<half>AM|PM))?")
_HOUR_WORD_RE = re.compile(r"الساعه\s*(?P<hour>\d{1,2})(?![\d:])(?:\s*,?\s*(?P<half>AM|PM))?")
_HOUR_HALF_RE = re.compile(r"(?<![\w/.\-:])(?P<hour>\d{1,2})\s*,?\s*(?P<half>AM|PM)")
_HALF_RE = re.compile(r"\b(?P<half>AM|PM)\b")
_AT_HOUR_RE = re.compile(r"(?<![\w:])في\s*(?P<hour>1[0-2]|0?[1-9])(?![\w:/.])")

_YMD_RE = re.compile(r"(?<![\w/.\-])(?P<year>\d{4})\s*(?P<sep>[-/.])\s*(?P<month>\d{1,2})\s*(?P=sep)\s*"
                     r"(?P<day>\d{1,2})(?![\d/.\-])")
_US_COMMA_RE = re.compile(
    r"(?<![\w/.\-])(?P<month>\d{1,2})/(?P<day>\d{1,2})\s*,\s*(?P<year>\d{4}|\d{2})(?!\d)")
# «19/05/22»: ``first`` and ``last`` may be day and year either way round.
_DMY_RE = re.compile(
    r"(?<![\w/.\-])(?P<first>\d{1,2})\s*(?P<sep>[-/.])\s*(?P<month>\d{1,2})\s*(?P=sep)\s*"
    r"(?P<last>\d{4}|\d{2})(?![\d/.\-])(?P<hijri>\s*HIJ)?")
_RANGE_DM_RE = re.compile(
    rf"(?<![\w:])(?P<start_day>\d{{1,2}})\s*(?:{_month('start_month')}\s*)?(?:-|الي|حتي|و)\s*"
    rf"(?P<end_day>\d{{1,2}})\s*{_month('end_month')}(?:\s*,?\s*(?P<year>\d{{4}}){YEAR_END})?")
_RANGE_MD_RE = re.compile(
    rf"{_month('start_month')}\s*(?P<start_day>\d{{1,2}})\s*(?:-|الي|حتي)\s*(?:{_month('end_month')}\s*)?"
    rf"(?P<end_day>\d{{1,2}})(?![\d:])(?:\s*,?\s*(?P<year>\d{{4}}){YEAR_END})?")
_DAY_MONTH_RE = re.compile(
    rf"(?<![\w:.])(?P<day>\d{{1,2}})\s*[,./\-]?\s*(?:من\s*)?(?:THIS\s*)?{MONTH}"
    rf"(?:\s*[,./\-]?\s*(?:(?:من|عام|YEARW)\s*)?(?P<year>\d{{3,4}}){YEAR_END})?(?P<hijri>\s*HIJ)?")
_MONTH_DAY_RE = re.compile(
    rf"{MONTH}\s*[,./\-]?\s*(?P<day>\d{{1,2}})(?![\d:])(?:\s*,?\s*(?:من\s*)?(?P<year>\d{{4}}){YEAR_END})?"
    rf"(?P<hijri>\s*HIJ)?")
_MONTH_YEAR_RE = re.compile(
    rf"{MONTH}\s*,?\s*(?:من\s*)?(?:YEARW\s*)?(?P<year>\d{{4}}){YEAR_END}(?P<hijri>\s*HIJ)?")
_MONTH_REL_RE = re.compile(rf"{MONTH}(?:\s*(?P<rel>PREV|NEXT|THIS))?")
_NUM_MY_RE = re.compile(r"(?<![\w/.\-])(?P<month>\d{1,2})\s*/\s*(?P<year>\d{4})(?![\d/.\-])")
_NUM_DM_RE = re.compile(
    r"(?<![\w/.\-:])(?P<first>\d{1,2})\s*(?P<sep>[/.\-])\s*(?P<second>\d{1,2})(?![\d/.\-:])")
_YEAR_RE = re.compile(r"(?<![\w/.\-:])(?:YEARW\s*)?(?P<year>\d{4})(?![\d/.\-:])(?P<hijri>\s*HIJ)?")
# ``rel`` is PREV, NEXT, THIS, or None for «THIS <word>» (this one).
_YEAR_REL_RE = re.compile(r"YEARW\s*(?P<rel>PREV|NEXT|THIS)|THIS\s*YEARW")
_MONTHW_REL_RE = re.compile(r"MONTHW\s*(?P<rel>PREV|NEXT|THIS)|THIS\s*MONTHW")
_WEEK_REL_RE = re.compile(r"WEEK\s*(?P<rel>PREV|NEXT|THIS)|THIS\s*WEEK")
_DAY_OF_MONTHW_RE = re.compile(r"(?<![\w:])(?P<day>\d{1,2})\s*(?:من\s*)?MONTHW\s*(?P<rel>PREV|NEXT|THIS)")
_DURATION_RE = re.compile(r"(?:(?P<count>\d{1,4})\s*)?U:(?P<unit>\w+)(?P<plural>\s+PL\b)?")
# ``weak``: X marks a weekday read from a word that is not always one.
_WEEKDAY_RE = re.compile(r"\bW(?P<weak>X?)(?P<weekday>\d)\b")
_RD_RE = re.compile(r"\bRD(?P<offset>-?\d)\b")
_NTH_WEEKDAY_RE = re.compile(r"\bWX?(?P<weekday>\d) NTH(?P<n>\d)\b")
_MONTH_TOKEN_RE = re.compile(rf"\b{MONTH}\b")
# Filler words that may surround a bare day number («يوم 19», «حتى 19»).
_FILLER_RE = re.compile(r"\b(?:U:day|يوم|في|الي|حتي|ل|من|تاريخ|بتاريخ|ال|الساعه)(?!\w)|[,.:;\-]")
_REMAINING_NUM_RE = re.compile(r"(?<![\w:])(\d{1,2})(?![\d:])")


def parse_tokens(tok: str, ref: datetime) -> Found | None:
    """Parse a token string against the reference moment (aware, in the target zone)."""
    at, precision, tok = _clock(tok)
    if re.search(r"\bWX?\d NTH\d\b", tok):
        found = _nth_weekday(tok, ref)  # a fifth weekday the month lacks is no date
    else:
        found = _absolute(tok, ref) or _relative(tok, ref)
    if found is None:
        if at is not None and not re.search(r"\d", tok):
            # A clock time alone («الساعة 10 مساء») is today's.
            found = Found(ref.date(), None, "day")
        else:
            return None
    if found.instant is None and at is not None and precision is not None and found.precision == "day":
        found.time, found.precision = at, precision
    elif found.instant is None and found.time is None and found.precision == "day" \
            and re.search(r"\bEND\s*(?:U:day\s*)?(?:RD|WX?\d)", tok):
        found.time, found.precision = time(23, 59), "minute"
    return found


# ---------------------------------------------------------------- clock time

def _nth_weekday(tok: str, ref: datetime) -> Found | None:
    """«ثاني يوم خميس من أغسطس», «الأحد الثالث»: the n-th weekday of a month (the named
    one, in the year nearest the reference; else the reference's month)."""
    m = _NTH_WEEKDAY_RE.search(tok)
    if not m:
        return None
    weekday, n = int(m["weekday"]), int(m["n"])
    month = _MONTH_TOKEN_RE.search(tok)
    hijri = bool(month and month["month_cal"] == "H")
    today = ref.date()
    firsts: list[date]
    if month and hijri:
        hy = gregorian_year_to_hijri(today)
        starts = (hijri_to_gregorian(y, int(month["month"]), 1) for y in (hy - 1, hy, hy + 1))
        firsts = [g for g in starts if g]
        length = 29  # a Hijri month has 29 or 30 days; the 5th weekday may fall outside
    elif month:
        firsts = [date(y, int(month["month"]), 1) for y in (today.year - 1, today.year, today.year + 1)]
        length = 28
    else:
        firsts, length = [today.replace(day=1)], 28
    if not firsts:
        return None
    first = min(firsts, key=lambda f: abs((f - today).days))
    day = first + timedelta(days=(weekday - first.weekday()) % 7) + timedelta(weeks=n - 1)
    in_month = (day - first).days < length if hijri else day.month == first.month
    return Found(day, None, "day") if in_month else None


def _clock(tok: str) -> tuple[time | None, str | None, str]:
    half_anywhere = _HALF_RE.search(tok)
    rules = [(_HOUR_AND_MINUTES_RE, "minute"), (_CLOCK_RE, "minute"), (_HOUR_WORD_RE, "hour"),
             (_HOUR_HALF_RE, "hour")]
    if half_anywhere and len(re.findall(r"(?<![\w:-])\d+", tok)) == 1 and not re.search(r"\b[MH]\d\d\b", tok):
        rules.append((_AT_HOUR_RE, "hour"))  # «هذه الليلة في 9»: a part of day makes 9 an hour
    for rx, prec in rules:
        m = rx.search(tok)
        if not m:
            continue
        groups = m.groupdict()
        h = int(groups["hour"])
        mi = int(groups["minute"]) if prec == "minute" else 0
        s = int(groups.get("second") or 0) if prec == "minute" else 0
        half = groups.get("half")
        if half is None and half_anywhere:
            half = half_anywhere["half"]
        if half in ("PM", "م", "p") and h < 12:
            h += 12
        elif half in ("AM", "ص", "a") and h == 12:
            h = 0
        at = safe_time(h, mi, s)
        if at is None:
            continue
        return at, prec, (tok[: m.start()] + " " + tok[m.end():])
    return None, None, tok


# ---------------------------------------------------------------- absolute dates

def _absolute(tok: str, ref: datetime) -> Found | None:
    weekday = _weekday(tok, strong_only=False)
    m = _YMD_RE.search(tok)
    if m:
        return _numeric(int(m["day"]), int(m["month"]), int(m["year"]), False, ref)
    m = _US_COMMA_RE.search(tok)
    if m:
        return _numeric(int(m["day"]), int(m["month"]), _year4(m["year"], ref), False, ref)
    numeric = list(_DMY_RE.finditer(tok))
    if numeric:
        # «15/9/1445هـ - 25/3/2024م»: the Gregorian date the site states wins.
        greg = [n for n in numeric
                if len(n["last"]) == 4 and not n["hijri"] and 1900 <= int(n["last"]) <= 2100]
        return _dmy((greg or numeric)[0], ref)
    m = _RANGE_DM_RE.search(tok)
    if m:
        cal, mon = m["end_month_cal"], int(m["end_month"])
        first_cal = m["start_month_cal"] or cal
        first_mon = int(m["start_month"]) if m["start_month"] else mon
        start = _day_month(int(m["start_day"]), first_cal, first_mon, m["year"], None, weekday, ref)
        end = _day_month(int(m["end_day"]), cal, mon, m["year"], None, None, ref)
        if start and start.day and end and end.day:
            end_day: date | None = end.day
            if end.day < start.day and not m["year"]:
                end_day = _shift_year(end.day, 1)  # «28 ديسمبر - 3 يناير»
            if end_day and end_day >= start.day:
                start.end = end_day
                return start
    m = _RANGE_MD_RE.search(tok)
    if m:
        cal, mon = m["start_month_cal"], int(m["start_month"])
        end_mon = int(m["end_month"]) if m["end_month"] else mon
        start = _day_month(int(m["start_day"]), cal, mon, m["year"], None, weekday, ref)
        end = _day_month(int(m["end_day"]), m["end_month_cal"] or cal, end_mon, m["year"], None, None, ref)
        if start and start.day and end and end.day and end.day >= start.day:
            start.end = end.day
            return start
    m = _pick_day_month(tok)
    if m:
        got = _day_month(int(m["day"]), m["month_cal"], int(m["month"]), m["year"], m["hijri"], weekday, ref)
        if got or m["year"]:
            return got  # an impossible full date («31 فبراير 2021») is no date at all
    m = _MONTH_DAY_RE.search(tok)
    if m:
        got = _day_month(int(m["day"]), m["month_cal"], int(m["month"]), m["year"], m["hijri"], weekday, ref)
        if got:
            return got
    m = _MONTH_YEAR_RE.search(tok)
    if m:
        return _month_year(m["month_cal"], int(m["month"]), int(m["year"]), bool(m["hijri"]))
    m = _NUM_MY_RE.search(tok)
    if m and 1 <= int(m["month"]) <= 12:
        d = safe_date(int(m["year"]), int(m["month"]), 1)
        return Found(d, None, "month") if d else None
    m = _MONTH_REL_RE.search(tok)
    # A month name alone in a sentence may be a verb («مارس الجيش ضغوطا»): it is a date
    # only with «الماضي/المقبل», alone, or after «في», «شهر», «منذ», «أواخر»...
    if m and (m["rel"] or _alone(tok, m) or lexicon().month_lead_re.search(tok[: m.start()])):
        return _month_relative(m["month_cal"], int(m["month"]), m["rel"], ref)
    m = _NUM_DM_RE.search(tok)
    # «3-1» or «2.5» inside a sentence is a score or a figure; only «/» marks a date there.
    if m and not re.search(r"U:", tok) and (m["sep"] == "/" or _alone(tok, m)):
        return _day_month_numeric(int(m["first"]), int(m["second"]), m["sep"], weekday, ref)
    years = list(_YEAR_RE.finditer(tok))
    # A bare number is a year only alone or after a year word or «في/منذ/حتى» (one such
    # year gives the context to a second, «عام 1445هـ / 2024م»): «قتل 2000 جندي» holds none.
    in_context = [y for y in years if _year_context(tok, y)]
    if in_context:
        m = in_context[0]
        if m["hijri"]:  # a Hijri year: a Gregorian one stated beside it wins
            m = next((y for y in years if not y["hijri"] and 1900 <= int(y["year"]) <= 2100), m)
        y = int(m["year"])
        if m["hijri"]:
            new_year = hijri_to_gregorian(y, 1, 1)
            return Found(new_year, None, "year") if new_year else None
        if 1900 <= y <= 2100:
            return Found(date(y, 1, 1), None, "year")
    return None


def _year_context(tok: str, m: re.Match[str]) -> bool:
    return bool(m.group(0).startswith("YEARW") or m["hijri"] or _alone(tok, m)
                or (re.search(r"(?:في|منذ|حتي|الي|من|AGO|LATER|THIS)\s*$", tok[: m.start()])
                    and re.match(r"\s*(?:$|[,.;:)\-]|[A-Z])", tok[m.end():])))


def _alone(tok: str, m: re.Match[str]) -> bool:
    """True when nothing but filler words and weekdays surrounds the match."""
    rest = _FILLER_RE.sub(" ", re.sub(r"\bWX?\d\b", " ", tok[: m.start()] + " " + tok[m.end():]))
    return not rest.strip()


def _pick_day_month(tok: str) -> re.Match[str] | None:
    """First day-month match, but a full Gregorian date beats a Hijri one: «3 رمضان 1440
    هـ الموافق 9 مايو 2019 م» is published on the Gregorian day the site states."""
    matches = list(_DAY_MONTH_RE.finditer(tok))
    for m in matches:
        if m["month_cal"] == "M" and m["year"] and not m["hijri"]:
            if any(o["month_cal"] == "H" for o in matches):
                return m
            break
    return matches[0] if matches else None


def _year4(text: str | None, ref: datetime) -> int | None:
    if text is None:
        return None
    y = int(text)
    if len(text) == 2:
        # Two-digit years: the century that puts the year nearest the reference.
        base = ref.year - ref.year % 100
        candidates = [base - 100 + y, base + y, base + 100 + y]
        y = min(candidates, key=lambda c: abs(c - ref.year))
    return y


def _numeric(d: int, m: int, y: int | None, hijri: bool, ref: datetime) -> Found | None:
    if y is None:
        return None
    if hijri or 1300 <= y <= 1500:
        g = hijri_to_gregorian(y, m, d)
        return Found(g, None, "day") if g else None
    if m > 12 and d <= 12:
        d, m = m, d
    day = safe_date(y, m, d)
    return Found(day, None, "day") if day else None


def _dmy(m: re.Match[str], ref: datetime) -> Found | None:
    a, b, c = int(m["first"]), int(m["month"]), m["last"]
    hijri = bool(m["hijri"])
    if len(c) == 4:
        return _numeric(a, b, int(c), hijri, ref)
    # «19/05/22» or «17-3-11»: day-month-year and year-month-day both possible; take the
    # reading that is not after the reference and nearest to it.
    options: list[tuple[date, Found]] = []
    for d, mo, y in ((a, b, _year4(c, ref)), (int(c), b, _year4(m["first"], ref))):
        found = _numeric(d, mo, y, hijri, ref)
        if found and found.day:
            options.append((found.day, found))
    if not options:
        return None
    ref_day = ref.date()
    past = [o for o in options if o[0] <= ref_day]
    pool = past or options
    return min(pool, key=lambda o: abs((o[0] - ref_day).days))[1]


def _shift_year(d: date, years: int) -> date | None:
    return safe_date(d.year + years, d.month, d.day) or safe_date(d.year + years, d.month, 28)


def _day_month(day: int, cal: str, month: int, year: str | None, hij: str | None,
               weekday: int | None, ref: datetime) -> Found | None:
    if not 1 <= day <= 31:
        return None
    if year is not None:
        y = int(year)
        if cal == "H" or hij:
            g = hijri_to_gregorian(y, month, day)
            return Found(g, None, "day") if g else None
        d = safe_date(y, month, day)
        return Found(d, None, "day") if d else None
    return _nearest_yearless(day, cal, month, weekday, ref)


def _nearest_yearless(day: int, cal: str, month: int, weekday: int | None,
                      ref: datetime) -> Found | None:
    """A day and month without a year: the occurrence nearest the reference (one that
    matches the stated weekday when there is one)."""
    ref_day = ref.date()
    options: list[date] = []
    if cal == "H":
        hy = gregorian_year_to_hijri(ref_day)
        for y in (hy - 1, hy, hy + 1):
            g = hijri_to_gregorian(y, month, day)
            if g:
                options.append(g)
    else:
        for y in range(ref_day.year - 1, ref_day.year + 2):
            d = safe_date(y, month, day)
            if d:
                options.append(d)
    if weekday is not None:
        # A weekday that fits none of the nearby years is a site error: ignore it.
        options = [o for o in options if o.weekday() == weekday] or options
    if not options:
        return None
    return Found(min(options, key=lambda o: abs((o - ref_day).days)), None, "day")


def _month_year(cal: str, month: int, year: int, hij: bool) -> Found | None:
    if cal == "H" or hij:
        g = hijri_to_gregorian(year, month, 1)
        return Found(g, None, "month") if g else None
    d = safe_date(year, month, 1)
    return Found(d, None, "month") if d else None


def _month_relative(cal: str, month: int, rel: str | None, ref: datetime) -> Found | None:
    """«في مارس الماضي» (the last March before this month), «مارس المقبل», bare «مارس»."""
    if cal == "H":
        hy = gregorian_year_to_hijri(ref.date())
        starts = [g for g in (hijri_to_gregorian(y, month, 1) for y in (hy - 1, hy, hy + 1)) if g]
        today = ref.date()
        if rel == "PREV":   # «رمضان الماضي»: the last one already over
            starts = [s for s in starts if s + timedelta(days=29) < today][-1:]
        elif rel == "NEXT":
            starts = [s for s in starts if s > today][:1]
        if not starts:
            return None
        return Found(min(starts, key=lambda s: abs((s - today).days)), None, "month")
    y, cur = ref.year, ref.month
    if rel == "PREV":
        y = y if month < cur else y - 1
    elif rel == "NEXT":
        y = y if month > cur else y + 1
    elif rel is None:
        # Bare month: the nearest one (news speaks of recent or coming months).
        options = [date(yy, month, 1) for yy in (y - 1, y, y + 1)]
        this_month = date(y, cur, 1)
        best = min(options, key=lambda o: abs((o - this_month).days))
        return Found(best, None, "month")
    return Found(safe_date(y, month, 1), None, "month")


def _day_month_numeric(a: int, b: int, sep: str, weekday: int | None, ref: datetime) -> Found | None:
    """«22/04», «4/22», «4.22»: day/month unless only month/day is possible."""
    day, month = a, b
    if month > 12 and day <= 12:
        day, month = b, a
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return _nearest_yearless(day, "M", month, weekday, ref)


# ---------------------------------------------------------------- relative dates

_UNIT_DELTAS = {"second": timedelta(seconds=1), "minute": timedelta(minutes=1),
                "hour": timedelta(hours=1), "day": timedelta(days=1), "week": timedelta(weeks=1)}
_UNIT_PRECISION = {"second": "minute", "minute": "minute", "hour": "hour", "day": "day",
                   "week": "day", "month": "month", "year": "year"}
_PRECISION_ORDER = ["minute", "hour", "day", "month", "year"]


def _relative(tok: str, ref: datetime) -> Found | None:
    if "U:" in tok:
        got = _duration(tok, ref)
        if got:
            return got
    m = _DAY_OF_MONTHW_RE.search(tok)
    if m:
        first = _add_months(ref.date().replace(day=1), {"PREV": -1, "NEXT": 1}.get(m["rel"], 0))
        d = safe_date(first.year, first.month, int(m["day"]))
        return Found(d, None, "day") if d else None
    rd = _RD_RE.search(tok)
    weekday = _weekday(tok, strong_only=not re.search(r"(?:يوم|U:day)\s*WX", tok))
    week = _WEEK_REL_RE.search(tok)
    if rd:
        off = int(rd["offset"])
        before, after = tok[: rd.start()], tok[rd.end():]
        if off == 0 and re.match(r"\s*PREV\b", after):
            off = -1                      # «اليوم» + «السابق/الفائت»
        elif off == 0 and re.match(r"\s*NEXT\b", after):
            off = 1                       # «اليوم» + «الموالي/المقبل»
        elif off == -1 and re.search(r"\bAGO\s*(?:U:day\s*)?$", before):
            off = -2                      # «قبل أمس»
        elif off == 1 and re.search(r"\bLATER\s*(?:U:day\s*)?$", before):
            off = 2                       # «بعد» + «الغد»
        return Found(ref.date() + timedelta(days=off), None, "day")
    if weekday is not None:
        return Found(_weekday_date(tok, weekday, week, ref), None, "day")
    if week:
        shift = {"PREV": -7, "NEXT": 7}.get(week["rel"], 0)
        return Found(ref.date() + timedelta(days=shift), None, "day")
    m = _MONTHW_REL_RE.search(tok)
    if m:
        first = _add_months(ref.date().replace(day=1), {"PREV": -1, "NEXT": 1}.get(m["rel"], 0))
        return Found(first, None, "month")
    m = _YEAR_REL_RE.search(tok)
    if m:
        y = ref.year + {"PREV": -1, "NEXT": 1}.get(m["rel"], 0)
        return Found(safe_date(y, 1, 1), None, "year")
    return _bare_day(tok, ref)


def _duration(tok: str, ref: datetime) -> Found | None:
    parts = list(_DURATION_RE.finditer(tok))
    if not parts:
        return None
    if re.search(r"U:\w+\s*(?:RD|WX?\d|[MH]\d\d)", tok):
        return None  # «قبل» + «يوم» + «أمس», «خلال يوم الجمعة», «شهر مايو»: a name, not a duration
    before = tok[:parts[0].start()]
    after = tok[parts[-1].end():]
    if not any(p["count"] for p in parts) and not re.search(r"\b(?:AGO|LATER)\b", before) \
            and "FROMNOW" not in after:
        return None  # «يوم الجمعة», «شهر رمضان»: a unit word, not a duration
    if "LATER" in before or ("FROMNOW" in after and "AGO" not in before):
        sign = 1
    else:
        sign = -1  # «منذ», «قبل», or a bare duration as news sites print «ساعتين»
    instant = ref
    finest = "year"
    for p in parts:
        # «منذ ساعات», «قبل أيام»: a plural without a count is a few (3), like «بضعة».
        n = int(p["count"]) if p["count"] else (3 if p["plural"] else 1)
        unit = p["unit"]
        if unit == "month":
            instant = _add_months_dt(instant, sign * n)
        elif unit == "year":
            instant = _add_months_dt(instant, sign * 12 * n)
        elif unit in _UNIT_DELTAS:
            instant = instant + sign * n * _UNIT_DELTAS[unit]
        else:
            continue
        prec = _UNIT_PRECISION.get(unit, "day")
        if _PRECISION_ORDER.index(prec) < _PRECISION_ORDER.index(finest):
            finest = prec
    if finest in ("minute", "hour"):
        return Found(instant=instant, precision=finest)
    return Found(instant.date(), None, finest)


def _add_months(d: date, months: int) -> date:
    y, m = divmod(d.year * 12 + d.month - 1 + months, 12)
    return date(y, m + 1, min(d.day, calendar.monthrange(y, m + 1)[1]))


def _add_months_dt(dt: datetime, months: int) -> datetime:
    d = _add_months(dt.date(), months)
    return dt.replace(year=d.year, month=d.month, day=d.day)


def _weekday(tok: str, strong_only: bool) -> int | None:
    for m in _WEEKDAY_RE.finditer(tok):
        if m["weak"] and strong_only:
            continue
        return int(m["weekday"])
    return None


def _weekday_date(tok: str, weekday: int, week: re.Match[str] | None, ref: datetime) -> date:
    today = ref.date()
    nums = [int(n) for n in _REMAINING_NUM_RE.findall(re.sub(r"\b[WHM]X?\d+\b|RD-?\d", " ", tok))]
    if nums and 1 <= nums[0] <= 31:
        # «الاثنين 26»: the nearest day numbered 26 that is a Monday; «السبت الثالث»:
        # the third Saturday of the month when no day 2 is a Sunday nearby.
        n = nums[0]
        options = []
        first = today.replace(day=1)
        for shift in range(-6, 7):
            m = _add_months(first, shift)
            d = safe_date(m.year, m.month, n)
            if d and d.weekday() == weekday:
                options.append(d)
        near = [o for o in options if abs((o - today).days) <= 45]
        if near:
            return min(near, key=lambda o: abs((o - today).days))
        if n <= 5:
            first_wd = first + timedelta(days=(weekday - first.weekday()) % 7)
            return first_wd + timedelta(weeks=n - 1)
    if week:
        # ISO weeks (Monday first): «الأحد من الأسبوع الماضي».
        shift = {"PREV": -1, "NEXT": 1}.get(week["rel"], 0)
        monday = today - timedelta(days=today.weekday()) + timedelta(weeks=shift)
        return monday + timedelta(days=weekday)
    if re.search(r"W\d\s*PREV|PREV\s*W\d", tok):
        back = (today.weekday() - weekday) % 7 or 7
        return today - timedelta(days=back)
    if re.search(r"W\d\s*NEXT|NEXT\s*W\d", tok):
        ahead = (weekday - today.weekday()) % 7 or 7
        return today + timedelta(days=ahead)
    if re.search(r"THIS\s*(?:U:day\s*)?W\d", tok):
        return today + timedelta(days=(weekday - today.weekday()) % 7)
    # A bare weekday in news text is the latest such day up to the reference.
    return today - timedelta(days=(today.weekday() - weekday) % 7)


def _bare_day(tok: str, ref: datetime) -> Found | None:
    rest = _FILLER_RE.sub(" ", tok).split()
    if len(rest) == 1 and rest[0].isdigit():
        n = int(rest[0])
        if 1 <= n <= 31:
            d = safe_date(ref.year, ref.month, n)
            return Found(d, None, "day") if d else None
    return None
