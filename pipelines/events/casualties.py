"""Casualty counts: numbers (digits, number words, vague quantities) tied to the words
for killed, injured, captured and defected."""
from __future__ import annotations

import re

from pipelines.events.candidate import Candidate
from pipelines.events.document import DocContext
from pipelines.events.lexicon import payloads

_YEAR_RE = re.compile(r"^(19|20)\d\d$")


def _numbers_in(ctx: DocContext, sent: int) -> list[tuple[int, int]]:
    """(token index, value) of numbers in a sentence; dates, years and running totals
    («ارتفاع عدد القتلى إلى 51») left out."""
    out = []
    totals = [m.end for _, m in ctx.in_sent("cumulative", sent)]
    words = {m.start: (m.end, int(payloads(m)[0])) for _, m in ctx.in_sent("numbers", sent)}
    skip = set()
    for i in sorted(words):
        if i in skip:
            continue
        end, v = words[i]
        # «خمسة وعشرين»: units and tens joined by و
        nxt = words.get(end)
        if nxt and v < 10 and 20 <= nxt[1] <= 90 and nxt[1] % 10 == 0 and ctx.toks[end].text.startswith("و"):
            v += nxt[1]
            skip.add(end)
        out.append((i, v))
    for i in ctx.sent_tokens.get(sent, []):
        t = ctx.toks[i].text
        if t.isdigit() and i not in ctx.date_tokens and not _YEAR_RE.match(t) and len(t) <= 6:
            out.append((i, int(t)))
    return [(i, v) for i, v in out if not any(0 <= i - e <= 5 for e in totals)]


def _sentence_numbers(ctx: DocContext, sent: int) -> tuple[dict[int, int], dict[int, int], list[int]]:
    cached = ctx.numbers_cache.get(sent)
    if cached is None:
        nums = dict(_numbers_in(ctx, sent))
        persons: dict[int, int] = {}      # «عنصر» counts one only right after the casualty word
        for k, val in (("person_singular", 1), ("person_dual", 2)):
            for _, m in ctx.in_sent(k, sent):
                persons.setdefault(m.start, val)
        bounds = sorted(m.start for k in ("fatality_words", "injured_words", "captured_words", "defected_words")
                        for _, m in ctx.in_sent(k, sent))
        cached = ctx.numbers_cache[sent] = (nums, persons, bounds)
    return cached


def _owner(ctx: DocContext, m, cands: list) -> Candidate | None:
    clause = ctx.toks[m.start].clause
    same = [o for o in cands if o.clause == clause]
    before = [o for o in cands if o.start < m.start]
    pool = same or before or cands
    return min(pool, key=lambda o: abs(m.start - o.start)) if pool else None


def count_casualties(ctx: DocContext, key: str, c: Candidate) -> int | None:
    """The number that goes with the casualty words of ``key`` in the trigger's sentence.

    «مقتل 5 وإصابة 10»: a number belongs to the casualty word before it (up to the next
    casualty word), else to one right after it («5 قتلى»); «مقتل عنصر» is one, «عنصرين» two.
    """
    everyone = ctx.live_in(c.sent) or [c]
    # Each casualty word belongs to one trigger: of its clause, else the nearest before it
    # («استهدفت غارة ... ما أدى إلى مقتل ثلاثة»), else the nearest.
    words = [m for _, m in ctx.in_sent(key, c.sent) if _owner(ctx, m, everyone) is c]
    if not words:
        return None if key != "fatality_words" else 0
    nums, persons, bounds = _sentence_numbers(ctx, c.sent)
    best = None
    for w in words:
        nxt = min([b for b in bounds if b >= w.end] + [w.end + 6])
        after = [n for n in nums if w.end <= n < min(nxt, w.end + 6)]
        prev = max([b for b in bounds if b < w.start] + [-1])
        # A number after an earlier casualty word is that word's («قتل 3 وأصيب آخرون»).
        before = [] if prev >= w.start - 6 else [n for n in nums if w.start - 5 <= n < w.start]
        if w.end in persons and (not after or min(after) > w.end):
            found = persons[w.end]
            j = w.end + 1           # «مقتل ضابط وجنديين»: persons joined by و add up
            while j in persons and ctx.toks[j].text.startswith("و"):
                found += persons[j]
                j += 1
        elif after:
            found = nums[min(after)]
        elif before:
            found = nums[max(before)]
        elif w.end + 1 in persons:
            found = persons[w.end + 1]
        else:
            continue
        best = found if best is None else max(best, found)
    return best if best is not None else (0 if key == "fatality_words" else None)


def deaths_after(ctx: DocContext, c: Candidate) -> int:
    """«أعدم التنظيم ثلاثة شبان»: the number after an execution verb, else one."""
    nums, persons, _ = _sentence_numbers(ctx, c.sent)
    after = [n for n in list(nums) + list(persons) if c.end <= n <= c.end + 3]
    if not after:
        return 1
    return nums.get(min(after)) or persons.get(min(after)) or 1

