"""Loads the date word lists from ``data/*.yaml`` and compiles them into matchers.

Everything is folded with :func:`fold` once at import, so matching is a plain regex search
over folded text. The word lists are data (with provenance in their headers), the
regexes are built here.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import yaml

from pipelines.arabic import CACHED_FOLD_CHARS, CharMap, clean_text

DATA_DIR = Path(__file__).parent / "data"

# Folding for date matching: like pipelines.arabic.fold_text but keeps punctuation that
# carries meaning in dates («/», «:», «+»), and maps Arabic punctuation to ASCII.
_LETTER_FOLD = CharMap({
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ی": "ي", "ئ": "ي", "ؤ": "و",
    "ة": "ه", "ک": "ك", "ھ": "ه", "،": ",", "؛": ";", "٫": ".", "٬": ",", "–": "-",
    "—": "-", "−": "-", "‐": "-", "‑": "-", "／": "/", "٪": "%", "\u066d": "*", "؍": "/",
    "：": ":",
})
_DIACRITICS_RE = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
_SPACES_RE = re.compile(r"\s+")


def fold(text: str) -> str:
    """Matching form of a date text: invisible marks, tatweel and diacritics removed,
    ASCII digits, letter variants folded, Latin lower-cased, single spaces."""
    # Date finding folds every short text of a page, many of them again and again.
    return _fold_cached(text) if len(text) <= CACHED_FOLD_CHARS else _fold(text)


@lru_cache(maxsize=8192)
def _fold_cached(text: str) -> str:
    return _fold(text)


def _fold(text: str) -> str:
    text = clean_text(text, ascii_digits=True)
    text = _LETTER_FOLD(_DIACRITICS_RE.sub("", text)).lower()
    return _SPACES_RE.sub(" ", text).strip()


def _load(name: str) -> dict:
    with open(DATA_DIR / name, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def alternation(words: Iterable[str]) -> str:
    """Regex alternation of folded words, longest first so «ماي» never shadows «مايو»."""
    folded = sorted({fold(str(w)) for w in words if str(w).strip()}, key=len, reverse=True)
    return "|".join(re.escape(w).replace(r"\ ", r"\s*") for w in folded)


def word_re(words: Iterable[str], prefix: str = "") -> re.Pattern:
    """Whole-word matcher; ``prefix`` is an optional clitic pattern («و», «ب», «ل»).

    Words of two letters take no clitic: «باب» is «door», not «ب» + «آب» (August)."""
    words = list(words)
    if not prefix:
        return re.compile(rf"(?<![\w.])({alternation(words)})(?![\w])")
    long_words = [w for w in words if len(fold(str(w))) > 2]
    clitic = rf"(?:(?:{prefix})(?=(?:{alternation(long_words)})(?![\w])))?" if long_words else ""
    return re.compile(rf"(?<![\w.]){clitic}({alternation(words)})(?![\w])")


class Lexicon:
    """Compiled word lists; build once with :func:`lexicon`."""

    def __init__(self) -> None:
        months = _load("months.yaml")
        numbers = _load("numbers.yaml")
        zones = _load("zones.yaml")
        phrases = _load("phrases.yaml")
        self.signals = _load("signals.yaml")
        self.read_also = [fold(w) for w in self.signals["read_also"]]

        self.month_names: dict[str, tuple[str, int]] = {}
        for cal, key in (("gregorian", "M"), ("hijri", "H")):
            for num, names in months[cal].items():
                for name in names:
                    self.month_names[fold(str(name))] = (key, int(num))
        self.month_re = word_re(self.month_names, prefix="[وب]|ل")
        self.weekday_names = {fold(str(n)): int(d)
                              for d, names in months["weekdays"].items() for n in names}
        self.weekday_re = word_re(self.weekday_names, prefix="[وب]|ل")

        self.day_words = {fold(str(w)): int(off)
                          for off, ws in phrases["day_words"].items() for w in ws}
        self.day_word_re = word_re(self.day_words, prefix="[وب]|ل")
        self.now_re = re.compile(rf"^(?:{alternation(phrases['now'])})$")
        self.day_parts = {fold(k): v for k, v in phrases["day_parts"].items()}
        self.day_part_re = word_re(self.day_parts, prefix="[وب]|ل")
        self.am = [fold(w) for w in phrases["am"]]
        self.pm = [fold(w) for w in phrases["pm"]]
        # Multi-letter markers are safe anywhere; the one-letter «ص»/«م» only after a clock.
        self.ampm_word_re = word_re([w for w in self.am + self.pm if len(w) > 1])
        self.units = {fold(str(w)): u for u, ws in phrases["units"].items() for w in ws}
        self.duals = {fold(str(w)) for w in phrases["duals"]}
        self.plurals = {fold(str(w)) for w in phrases["plurals"]}
        self.unit_re = word_re(self.units, prefix="[وب]|ل")
        self.fixed_durations = {fold(k): int(v) for k, v in phrases["fixed_durations"].items()}
        self.fixed_duration_re = word_re(self.fixed_durations, prefix="[وب]|ل")
        self.ago_re = word_re(phrases["ago"], prefix="و")
        self.later_re = word_re(phrases["later"], prefix="و")
        self.from_now_re = word_re(phrases["from_now"])
        self.previous_re = word_re(phrases["previous"])
        self.next_re = word_re(phrases["next"])
        self.this_re = word_re(phrases["this"])
        self.week_re = word_re(phrases["week"])
        self.month_word_re = word_re(phrases["month"])
        self.year_word_re = word_re(phrases["year"], prefix="[وب]|ل|لل")
        self.year_marker_re = re.compile(rf"{self.year_word_re.pattern}\s*(?=\d{{4}}(?!\d))")
        self.ad_after_year_re = re.compile(
            rf"(?<!\d)(\d{{4}})\s*(?:{alternation(phrases['ad_marker'])})(?![\w])")
        self.hijri_marker_re = word_re(phrases["hijri_marker"])
        self.prefixes = [fold(w) for w in phrases["prefixes"]]
        self.clock_words = [fold(w) for w in phrases["clock_words"]]
        self.zone_words = [fold(w) for w in phrases["zone_words"]]
        self.clock_labels = [fold(w) for w in phrases.get("clock_labels", [])]
        self.update_words = [fold(w) for w in phrases["update_words"]]

        # Number words → value, composed from units, teens and tens.
        ordinal = {fold(w): int(v) for v, ws in numbers["ordinal_units"].items() for w in ws}
        cardinal = {fold(w): int(v) for v, ws in numbers["cardinal_units"].items() for w in ws}
        units = {**cardinal, **ordinal}
        teen = [fold(w) for w in numbers["teen_suffix"]]
        tens = {fold(w): int(v) for v, ws in numbers["tens"].items() for w in ws}
        table: dict[str, int] = {}
        for w, v in units.items():
            table[w] = v
            if v < 10:
                for t in teen:
                    table[f"{w} {t}"] = 10 + v
            for tw, tv in tens.items():
                table[f"{w} و{tw}"] = tv + v
                table[f"{w} و {tw}"] = tv + v
        table.update(tens)
        for w in numbers["few"]:
            table[fold(w)] = 3
        for key in ("hundreds", "thousands"):
            for v, ws in numbers[key].items():
                for w in ws:
                    table[fold(w)] = int(v)
        self.ordinals = {w: v for w, v in ordinal.items() if v <= 5}
        # Clock hours are feminine ordinals with the article: «السابعة», «الحادية عشرة».
        hours = {w: v for w, v in ordinal.items() if w.startswith("ال") and w.endswith("ه")}
        for w, v in list(hours.items()):
            if v <= 2:
                for t in teen:
                    hours[f"{w} {t}"] = 10 + v
        self.hour_words = hours
        self.hour_fractions = {fold(k): int(v) for k, v in phrases["hour_fractions"].items()}
        self.hour_word_re = re.compile(
            rf"(?<![\w])(?:({alternation(phrases['hour_lead'])})\s+)?({alternation(hours)})(?![\w])"
            rf"(?:\s+({alternation(self.hour_fractions)})(?![\w]))?")
        self.nth_re = re.compile(
            rf"\b(WX?\d)\s+({alternation(self.ordinals)})(?![\w])(?!\s*(?:عشر|و\S))")
        # «أول يوم جمعة», «ثاني أحد»: the ordinal before the weekday.
        self.nth_before_re = re.compile(
            rf"(?<![\w])({alternation(self.ordinals)})\s+(?:يوم\s+)?(WX?\d)\b")
        self.end_re = word_re(phrases["end_of"])
        self.month_lead_re = re.compile(
            rf"(?:^|\s)(?:في|MONTHW|U:month|LATER|AGO|END|حتي|الي|من|{alternation(phrases['period_words'])})\s*$")
        self.number_words = table
        self.number_re = word_re(table, prefix="لل|[وبل]")

        self.utc_re = re.compile(rf"(?<!\w)(?:ب?توقيت\s*)?({alternation(zones['utc_names'])})(?!\w)")
        self.zone_phrases = {fold(k): v for k, v in zones["phrases"].items()}
        self.zone_re = re.compile(
            rf"(?<!\w)(?:ب|حسب\s*)?توقيت\s*({alternation(self.zone_phrases)})(?!\w)")


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    return Lexicon()
