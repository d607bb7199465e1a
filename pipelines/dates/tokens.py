"""Rewrites a folded date text into a small token language the parser reads.

Month names become ``M03`` (Gregorian) or ``H09`` (Hijri), weekdays ``W4`` (Monday = 0),
relative day words ``RD-1``, duration units ``U:hour``, direction words ``AGO``/``LATER``,
``PREV``/``NEXT``/``THIS``, ``WEEK``/``MONTHW``/``YEARW``, morning/evening ``AM``/``PM``,
and number words become digits. Upper-case ASCII cannot occur in folded text (it is
lower-cased), so tokens never collide with real words.
"""
from __future__ import annotations

import re

from .lexicon import Lexicon

# Digits glued to letters («9 يونيو2016», «2020م», «1441هـ») are split so words match.
_GLUE_RE = re.compile(r"(?<=\d)(?=[^\W\d_])|(?<=[^\W\d_])(?=\d)")
_PAIRED_RE = re.compile(r"\b([MH])(\d\d)\s*(?:[/(|\-]\s*|\s)[MH](\d\d)\s*\)?")
_PUNCT_RE = re.compile(r"[\"'«»“”()\[\]{}<>|*]+")
_DOT_RE = re.compile(r"(?<!\d)\.|\.(?!\d)")
# Maghrebi clocks «14h30», «14س30د»: hours and minutes around a letter.
_H_CLOCK_RE = re.compile(r"(?<![\w:])([01]?\d|2[0-3])\s*(?:h|س)\s*([0-5]\d)(?:\s*(?:min|د)(?!\w))?(?![\d:])")
_TENS_AFTER_RE = re.compile(r"\s*(?:و\s*(?:ال)?(?:عشر|ثلاث)|عشر)")
_GLUED_HOUR_RE = re.compile(r"(?<=\w)(?=الساعه)")
# A year in words became «1000 900 78» or «2000 18»: add the parts up.
_WORD_YEAR_RE = re.compile(r"\b([12]000)((?:\s+\d{1,3}\b)*)")


def _word_year(m: re.Match) -> str:
    total, last = int(m.group(1)), 1000
    for part in m.group(2).split():
        value = int(part)
        if value >= last:
            break
        total, last = total + value, value
    return f" {total} " if 1900 <= total <= 2100 else m.group(0)


def tokenise(text: str, lx: Lexicon) -> str:
    """Token form of an already folded and zone-stripped text."""
    text = _GLUE_RE.sub(" ", text)
    text = _GLUED_HOUR_RE.sub(" ", text)
    text = _H_CLOCK_RE.sub(r"\1:\2", text)
    text = lx.month_re.sub(lambda m: " {}{:02d} ".format(*lx.month_names[m.group(1)]), text)
    # «17 آذار/مارس», «أيار (مايو)»: two names for one month collapse into one token.
    text = _PAIRED_RE.sub(lambda m: f" {m.group(1)}{m.group(2)} ", text)
    text = _PUNCT_RE.sub(" ", text)
    # A weekday without the article («أحد», «سبت») is also an ordinary word («أحد
    # الجنود»): it becomes a weak token that only counts next to a date or after «يوم».
    def weekday(m: re.Match) -> str:
        name = m.group(1)
        strong = name.startswith("ال") or name.isascii()
        if not strong and m.group(0) != name:
            return m.group(0)  # «واحد» is «one», not «و» + «أحد»
        return (" W" if strong else " WX") + f"{lx.weekday_names[name]} "
    text = lx.weekday_re.sub(weekday, text)
    text = lx.nth_re.sub(lambda m: f"{m.group(1)} NTH{lx.ordinals[m.group(2)]} ", text)
    text = lx.nth_before_re.sub(lambda m: f" {m.group(2)} NTH{lx.ordinals[m.group(1)]} ", text)
    text = lx.end_re.sub(" END ", text)
    text = lx.day_word_re.sub(lambda m: f" RD{lx.day_words[m.group(1)]} ", text)

    def part(m: re.Match) -> str:
        spec = lx.day_parts[m.group(1)]
        half = " AM " if spec.get("half") == "am" else " PM "
        return half + (" RD0 " if spec.get("today") else "")
    text = lx.day_part_re.sub(part, text)
    text = lx.ampm_word_re.sub(lambda m: " AM " if m.group(1) in lx.am else " PM ", text)

    # A year word before four digits is a year marker, not a duration unit.
    text = lx.year_marker_re.sub(" YEARW ", text)

    def hour(m: re.Match) -> str:
        if not m.group(1) and not m.group(3):
            return m.group(0)  # an ordinal alone may be a day («الثانية والعشرون»)
        if m.group(1) != "الساعه" and not m.group(3) and _TENS_AFTER_RE.match(m.string, m.end()):
            return m.group(0)  # «في الثانية والعشرين»: the 22nd, not two o'clock
        total = lx.hour_words[m.group(2)] * 60 + lx.hour_fractions.get(m.group(3) or "", 0)
        h, mi = divmod(total % (24 * 60), 60)
        return f" الساعه {h}:{mi:02d} " if m.group(3) else f" الساعه {h} "
    text = lx.hour_word_re.sub(hour, text)

    def unit(m: re.Match) -> str:
        word = m.group(1)
        plural = " PL " if word in lx.plurals else " "
        return (" 2 " if word in lx.duals else " ") + f"U:{lx.units[word]}{plural}"
    text = lx.fixed_duration_re.sub(
        lambda m: f" {lx.fixed_durations[m.group(1)]} U:minute ", text)
    text = lx.unit_re.sub(unit, text)
    text = lx.from_now_re.sub(" FROMNOW ", text)
    text = lx.ago_re.sub(" AGO ", text)
    text = lx.later_re.sub(" LATER ", text)
    text = lx.previous_re.sub(" PREV ", text)
    text = lx.next_re.sub(" NEXT ", text)
    text = lx.this_re.sub(" THIS ", text)
    text = lx.week_re.sub(" WEEK ", text)
    text = lx.month_word_re.sub(" MONTHW ", text)
    text = lx.year_word_re.sub(" YEARW ", text)
    text = lx.hijri_marker_re.sub(" HIJ ", text)
    text = lx.ad_after_year_re.sub(r"\1 ", text)  # «2020 م»: the era marker, not PM
    text = lx.number_re.sub(lambda m: f" {lx.number_words[m.group(1)]} ", text)
    text = _WORD_YEAR_RE.sub(_word_year, text)
    text = _DOT_RE.sub(" ", text)
    return " ".join(text.split())
