"""Event dates: time expressions in a sentence resolved against the publication date.

Resolution goes through ``pipelines.dates.normalise_date`` (the project's date stage);
when that is missing or cannot read an expression, a small resolver of our own handles
relative days («أمس»), weekdays («الخميس الماضي») and day-month dates.
"""
from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from pipelines.events.lexicon import PhraseIndex, cues, function_words
from pipelines.events.morph import clitic_forms
from pipelines.events.text import Doc

try:  # the dates stage is written in parallel; events work without it
    from pipelines.dates import normalise_date as _normalise_date
except Exception:  # noqa: BLE001 - any import failure means "not available"
    _normalise_date = None  # type: ignore[assignment]

_DAY_RE = re.compile(r"^\d{1,2}$")
_YEAR_RE = re.compile(r"^(19|20)\d\d$")


def published_local(published: str | None, timezone: str | None) -> dt.datetime | None:
    """The publication datetime in the site's time zone (naive if nothing says better)."""
    if not published or not isinstance(published, str):
        return None
    try:
        d = dt.datetime.fromisoformat(published.strip().replace("Z", "+00:00"))
    except ValueError:
        try:
            d = dt.datetime.fromisoformat(published.strip()[:10])
        except ValueError:
            return None
    if timezone and d.tzinfo is not None:
        try:
            d = d.astimezone(ZoneInfo(timezone))
        except Exception:  # noqa: BLE001 - unknown zone name: keep the given offset
            pass
    return d


def _index() -> PhraseIndex:
    global _IDX
    if _IDX is None:
        idx = PhraseIndex(clitic_forms, keep_article=True)
        dw = cues()["date_words"]
        for k, v in dw["relative_days"].items():
            idx.add(k, ("rel", v))
        for k, v in dw["weekdays"].items():
            idx.add(k, ("weekday", v))
        for k, v in dw["weak_periods"].items():
            idx.add(k, ("period", v))
        for k, v in dw["months"].items():
            idx.add(k, ("month", v))
        for k in cues()["function_words"]["year_words"]:
            idx.add(k, ("year", 0))
        _IDX = idx
    return _IDX


_IDX: PhraseIndex | None = None


class DateMention:
    """A time expression; its date is resolved by the dates stage when first asked for."""

    def __init__(self, start: int, end: int, date: dt.date, precision: int, raw: str,
                 ref: dt.datetime, timezone: str | None) -> None:
        self.start, self.end, self.precision, self.raw = start, end, precision, raw
        self._own, self._ref, self._tz = date, ref, timezone
        self._date: dt.date | None = None

    @property
    def date(self) -> dt.date:
        if self._date is None:
            resolved = _via_dates_stage(self.raw, self._ref, self._tz) if self.precision == 1 else None
            self._date = resolved or self._own
        return self._date


def date_index() -> PhraseIndex:
    return _index()


def find_dates(doc: Doc, ref: dt.datetime | None, timezone: str | None,
               matches: list | None = None) -> list[DateMention]:
    """Time expressions (token spans) with their resolved dates; none without a reference."""
    if ref is None:
        return []
    toks = doc.tokens
    out: list[DateMention] = []
    for m in matches if matches is not None else _index().find_all(toks):
        kind, val = m.payload if not isinstance(m.payload, list) else m.payload[0]
        s, e = m.start, m.end
        date: dt.date | None = None
        prec = 1
        if kind == "rel":
            date = ref.date() + dt.timedelta(days=val)
        elif kind == "weekday":
            # «يوم»/«اليوم» before is fine; «الماضي» after means strictly before the reference.
            past = e < len(toks) and toks[e].text in function_words("past_words")
            delta = (ref.weekday() - val) % 7
            if past and delta == 0:
                delta = 7
            date = ref.date() - dt.timedelta(days=delta)
            if past:
                e += 1
        elif kind == "year":
            # «عام 2016»: a year named in the text
            if e < len(toks) and _YEAR_RE.match(toks[e].text):
                date, prec = dt.date(int(toks[e].text), 1, 1), 3
                e += 1
                if date.year >= ref.year:
                    continue            # this year: nothing to learn
            else:
                continue
        elif kind == "period":
            date, prec = ref.date(), val
        elif kind == "month":
            day = None
            j = s - 1
            if j >= 0 and toks[j].text in function_words("month_gap") and j - 1 >= 0:
                j -= 1
                if toks[j].text in function_words("month_gap") and j - 1 >= 0:
                    j -= 1
            if j >= 0 and _DAY_RE.match(toks[j].text) and 1 <= int(toks[j].text) <= 31:
                day = int(toks[j].text)
                s = j
                if s - 1 >= 0 and toks[s - 1].text in function_words("day_article"):
                    s -= 1
            elif s - 1 >= 0 and toks[s - 1].text in function_words("month_gap") - function_words("from"):
                pass
            else:
                # A bare month word needs a day, a year or «الماضي»: «أب»/«ماي» are common words too.
                if not (e < len(toks) and (toks[e].text in function_words("past_words")
                                           or _YEAR_RE.match(toks[e].text))):
                    continue
            year = ref.year
            if e < len(toks) and _YEAR_RE.match(toks[e].text):
                year = int(toks[e].text)
                e += 1
            elif e < len(toks) and toks[e].text in function_words("past_words"):
                e += 1
            try:
                date = dt.date(year, val, day or 1)
            except ValueError:
                continue
            if date > ref.date() and year == ref.year:
                date = date.replace(year=year - 1)
            prec = 1 if day else 3
        if date is None:
            continue
        raw = doc.text[toks[s].start:toks[e - 1].end]
        out.append(DateMention(s, e, date, prec, raw, ref, timezone))
    return out


def _via_dates_stage(raw: str, ref: dt.datetime, timezone: str | None) -> dt.date | None:
    if _normalise_date is None:
        return None
    try:
        r = _normalise_date(raw, ref, timezone)
        if r and r.get("date") and r.get("precision") in ("day", "hour", "minute"):
            return dt.date.fromisoformat(r["date"])
    except Exception:  # noqa: BLE001 - the stage promises not to raise; be safe anyway
        return None
    return None
