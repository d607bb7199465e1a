"""Rule-based extraction of ACLED-style conflict events from Arabic news text.

One pass over the tokens finds triggers, actors, places, sources, numbers and time
expressions through the data files; each clause with a trigger becomes a candidate event,
background mentions are set aside, and mentions of one event are merged.
"""
from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass, field
from functools import lru_cache

from pipelines.events.actors import ActorMention, actor_dict, find_actors, national_forces, resolve_entry
from pipelines.events.dating import date_index, find_dates, published_local
from pipelines.events.lexicon import (Match, actor_index, actors, air_index, cue_index, cues, payloads,
                                      place_index, scan, source_index, trigger_index, triggers)
from pipelines.arabic import fold_text
from pipelines.events.morph import prefix_forms
from pipelines.events.places import PlaceMention, choose_rows, find_places, location_dict
from pipelines.events.text import Doc, build_doc

EXTRACTOR_VERSION = "marsad-events-0.1.0"
log = logging.getLogger(__name__)

MAX_CHARS = 200_000           # longer inputs are cut: no news article is that long
BACKGROUND_DAYS = 14          # an event dated this much before publication is a recall
_SOURCE_NOUNS = {fold_text(w) for w in ("مصادر", "مصدر", "مسؤول", "مسؤولون", "مسؤولين", "متحدث", "ناطق", "مراسل")}
_SOURCE_PREPS = {fold_text(w) for w in ("في", "من", "لدى", "داخل", "باسم")}
_CAPTURING = {"battle", "territory", "arrest", "civilian"}
_YEAR_RE = re.compile(r"^(19|20)\d\d$")
_FAMILY_OF_BATTLE = "battle"


@dataclass
class Candidate:
    ttype: dict
    start: int                # trigger token span
    end: int
    sent: int
    clause: int
    strong: bool
    background: bool = False
    event: dict = field(default_factory=dict)
    inherited_location: bool = False
    mentions: int = 1
    subordinate: bool = False       # background because it follows «بعد/عقب»
    deadly: bool = False            # «اغتال»: at least one dead
    twin_of: int | None = None      # a listed town split off another candidate
    headline: bool = False          # in the first line of a multi-paragraph text


def extract_events(text: str, *, published: str | None = None, timezone: str | None = None,
                   source: str | None = None) -> list[dict]:
    """Events reported in an article's text; never raises (returns [] on bad input)."""
    try:
        if not isinstance(text, str) or not text.strip():
            return []
        return _extract(text[:MAX_CHARS], published, timezone, source)
    except Exception:  # noqa: BLE001 - a stage must not crash the crawl
        log.exception("event extraction failed")
        return []


# ---------------------------------------------------------------------------- helpers

def _spans(index, doc: Doc) -> list[Match]:
    return index.find_all(doc.tokens)


def _starts(matches: list[Match]) -> dict[int, Match]:
    return {m.start: m for m in matches}


def _covered(matches: list[Match]) -> set[int]:
    return {i for m in matches for i in range(m.start, m.end)}


def _has_form(token_text: str, words: set[str]) -> bool:
    return bool(prefix_forms(token_text) & words)


def _sentence_tokens(doc: Doc) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for i, t in enumerate(doc.tokens):
        out.setdefault(t.sent, []).append(i)
    return out


class _Ctx:
    """Everything found in the document once, shared by all candidates."""

    def __init__(self, text: str, published: str | None, timezone: str | None) -> None:
        self.doc = doc = build_doc(text)
        self.toks = doc.tokens
        self.ref = published_local(published, timezone)
        self.pub_date = self.ref.date() if self.ref else None
        cue_keys = ("agent_verbs", "agent_before", "target_before", "support_before", "member_before",
                    "attribution_before", "fatality_words", "injured_words", "captured_words",
                    "defected_words", "person_singular", "person_dual", "numbers", "between", "motion",
                    "temporal_subordinators", "negations", "protest_intervention", "protest_excessive",
                    "cumulative", "crime_words")
        extra = {"bg_sentence": ("background_sentence", "words"), "bg_clause": ("background_clause", "words"),
                 "denied": ("modality", "denied"), "claimed": ("modality", "claimed")}
        indexes = [trigger_index(), actor_index(), place_index(), source_index(), date_index()] \
            + [cue_index(k) for k in cue_keys] + [cue_index(*v) for v in extra.values()] + [air_index()]
        found = scan(self.toks, indexes)
        self.trigger_ms, actor_ms, place_ms, self.source_ms, date_ms = found[:5]
        self.cue = dict(zip(list(cue_keys) + list(extra) + ["air_cues"], found[5:]))
        self.actor_ms = find_actors(doc, actor_ms)
        blocked = _covered(self.source_ms) | {i for a in self.actor_ms for i in range(a.start, a.end)}
        self.places = find_places(doc, blocked, place_ms)
        self.country = choose_rows(self.places, self._country_votes(timezone))
        if self.country is None:
            self.country = self._country_from_actors()
        self.place_tokens = {i for p in self.places for i in range(p.start, p.end)}
        self.dates = find_dates(doc, self.ref, timezone, date_ms)
        self.date_tokens = {i for d in self.dates for i in range(d.start, d.end)}
        self.sent_tokens = _sentence_tokens(doc)
        self.ends = {k: {m.end: m for m in v} for k, v in self.cue.items()}
        self.starts = {k: {m.start for m in v} for k, v in self.cue.items()}
        self.numbers_cache: dict[int, tuple] = {}
        self.text_first_break = text.find("\n")
        self.trigger_starts = {m.start for m in self.trigger_ms}
        self.trigger_ends = {m.end for m in self.trigger_ms}
        self.live: list = []
        self._assign_roles()

    def _country_votes(self, timezone: str | None) -> dict[str, float]:
        c = cues()
        votes: dict[str, float] = {}
        tz_country = c["timezone_country"].get(timezone or "")
        if tz_country:
            votes[tz_country] = 0.5
        demonyms = _demonyms()
        for t in self.toks:
            country = demonyms.get(t.text)
            if country:
                votes[country] = votes.get(country, 0) + 0.5
        return votes

    def _country_from_actors(self) -> str | None:
        for a in self.actor_ms:
            for e in a.entries:
                if e.get("country") and e["type"] == "State forces":
                    return e["country"]
                if e.get("countries") and len(e["countries"]) == 1:
                    return e["countries"][0]
        return None

    def _marker_before(self, key: str, start: int, reach: int) -> bool:
        """A cue of ``key`` ending at most ``reach`` tokens before ``start``, same clause."""
        ends = self.ends[key]
        for back in range(0, reach):
            e = start - back
            if e - 1 < 0 or self.toks[e - 1].clause != self.toks[start].clause:
                return False
            if e in ends:
                return True
        return False

    def _assign_roles(self) -> None:
        toks = self.toks
        members_open: dict[int, int] = {}      # clause -> index of the actor with members
        for i, a in enumerate(self.actor_ms):
            clause = toks[a.start].clause
            prev = i - 1 if i and toks[self.actor_ms[i - 1].start].sent == toks[a.start].sent else None
            if clause in members_open and members_open[clause] != i:
                a.role, a.assoc_of = "member", members_open[clause]
                continue
            if prev is not None and self._marker_before("support_before", a.start, 3):
                a.role, a.assoc_of = "support", prev
                continue
            owner = [m for m in self.cue["member_before"] if m.end == a.start and m.start in self.trigger_ends]
            if owner:
                a.role = "agent"       # «الطيران الحربي التابع للنظام»: the owner flew the strike
                continue
            if prev is not None and self._marker_before("member_before", a.start, 3) \
                    and a.start - self.actor_ms[prev].end <= 5:
                a.role, a.assoc_of = "member", prev
                members_open[clause] = prev
                continue
            if self._source_phrase(a.start):
                a.role = "source"      # «وفق مصادر في الشرطة»: who tells, not who acts
            elif self._marker_before("motion", a.start, 2):
                a.role = "target"      # «هرب إليها جيش النظام»: who flees loses the ground
            elif self._genitive_agent(a) or self._marker_before("agent_verbs", a.start, 2):
                a.role = "agent"       # «بقصف مدفعي لقوات النظام», «كمين نصبه مسلحو داعش»
            elif a.start not in self.trigger_starts and \
                    any(self._marker_before(k, a.start, 4) for k in ("fatality_words", "injured_words", "captured_words")):
                a.role = "target"      # «مقتل 8 عناصر من مقاتلي الحشد»
            elif self._marker_before("agent_before", a.start, 1):
                a.role = "agent"
            elif self._marker_before("target_before", a.start, 2) or self._clitic_target(a):
                a.role = "target"
            # Members are listed after a marker that follows the group: «جيش الفتح -الذي يضم ...».
            after = [m for m in self.cue["member_before"] if a.end <= m.start <= a.end + 4
                     and toks[m.start].sent == toks[a.start].sent]
            if after:
                members_open[toks[after[0].start].clause] = i

    def _genitive_agent(self, a: ActorMention) -> bool:
        first = self.toks[a.start].text
        return first[:1] == "ل" and any(m.end == a.start for m in self.trigger_ms) and \
            any(not _phrase_first(e).startswith("ل") for e in a.entries)

    def _source_phrase(self, start: int) -> bool:
        """«مصادر في الشرطة», «مسؤول في الجيش»: the actor is where a source sits."""
        toks = self.toks
        if start < 2 or toks[start - 1].text not in _SOURCE_PREPS:
            return False
        return any(prefix_forms(toks[j].text) & _SOURCE_NOUNS for j in range(max(0, start - 3), start - 1))

    def _clitic_target(self, a: ActorMention) -> bool:
        """«بقوات النظام», «لقوات الأسد»: a preposition glued to the name marks the target."""
        first = self.toks[a.start].text
        if first[:1] not in "بل":
            return False
        rest = first[2:] if first.startswith("لل") else first[1:]
        return any(not _phrase_first(e).startswith(first[:1]) for e in a.entries) and bool(rest)


@lru_cache(maxsize=1)
def _demonyms() -> dict[str, str]:
    return {fold_text(k): v for k, v in cues()["demonyms"].items()}


def _phrase_first(entry: dict) -> str:
    return entry["aliases"][0]


# ---------------------------------------------------------------------------- extraction

def _extract(text: str, published: str | None, timezone: str | None, source: str | None) -> list[dict]:
    ctx = _Ctx(text, published, timezone)
    if not ctx.toks:
        return []
    cands = _candidates(ctx)
    ctx.live = [c for c in cands if not c.background]
    consumed = _consumed_places(ctx, cands)
    focus = _focus_place(ctx, consumed)
    events: list[Candidate] = []
    for c in cands:
        if c.background:
            continue
        c.headline = c.sent == 0 and len(set(ctx.doc.paragraphs)) > 1 and \
            ctx.doc.sentences[0][1] <= (ctx.text_first_break if ctx.text_first_break >= 0 else 10 ** 9)
        if _build(ctx, c, consumed, focus):
            events.append(c)
            events.extend(_listed_places(ctx, c))
    merged = _merge(events)
    out = []
    for c in merged:
        ev = c.event
        ev["confidence"] = round(min(0.95, ev["confidence"] + 0.05 * (c.mentions - 1)), 2)
        out.append(ev)
    return out


def _candidates(ctx: _Ctx) -> list[Candidate]:
    toks = ctx.toks
    # A trigger word inside a name is not a trigger («هيئة تحرير الشام»), unless the name
    # starts with it («غارة أمريكية», «الطيران الروسي»: the name is the deed's author).
    blocked = ctx.place_tokens | {i for a in ctx.actor_ms for i in range(a.start + 1, a.end)} \
        | _covered(ctx.source_ms)
    bg_sent = {toks[m.start].sent for m in ctx.cue["bg_sentence"]}
    # Clause cues («سبق أن», «تنديدا ب») cover what follows them in the clause.
    bg_after: dict[int, int] = {}
    for m in ctx.cue["bg_clause"]:
        cl = toks[m.start].clause
        bg_after[cl] = min(bg_after.get(cl, m.start), m.start)
    bg_clause: set[int] = set()
    # «كانت ... قد»: a pluperfect marks a recalled event.
    for i, t in enumerate(toks):
        if _has_form(t.text, {"كان", "كانت", "كانوا", "كانتا"}):
            for j in range(i + 1, min(i + 7, len(toks))):
                if toks[j].clause != t.clause:
                    break
                if toks[j].text in ("قد", "وقد"):
                    bg_clause.add(t.clause)
    raw: list[Candidate] = []
    for m in ctx.trigger_ms:
        options = payloads(m)
        info = max(options, key=lambda o: o["type"]["priority"])
        # «متظاهرين» names the actor and the event at once.
        if info["type"]["family"] != "protest" and m.start in blocked:
            continue
        if info["requires"]:
            nxt = set()
            for j in range(m.end, min(m.end + info["window"], len(toks))):
                if toks[j].sent != toks[m.start].sent:
                    break
                nxt |= prefix_forms(toks[j].text)
            if not nxt & set(info["requires"]):
                continue
        t = toks[m.start]
        bg = t.sent in bg_sent or t.clause in bg_clause or (t.clause in bg_after and m.start > bg_after[t.clause])
        subordinate = False
        if m.start > 0 and toks[m.start - 1].clause == t.clause and m.start - 1 in ctx.starts["temporal_subordinators"]:
            bg = subordinate = True
        if any(m.start - k in ctx.starts["negations"] and toks[m.start - k].clause == t.clause for k in (1, 2, 3)
               if m.start - k >= 0):
            continue            # «لم تسجل أي مواجهات»: said not to have happened
        if m.start >= 2 and toks[m.start - 1].text == "من" and m.start - 2 in ctx.starts["motion"]:
            bg = True           # «هربا من المعارك»: what people fled, told as background
        cand = Candidate(info["type"], m.start, m.end, t.sent, t.clause, not info["weak"], bg)
        cand.subordinate = subordinate
        cand.deadly = info["deadly"]
        raw.append(cand)
    # One event per clause and family; precise words beat generic ones.
    by_clause: dict[int, list[Candidate]] = {}
    for c in raw:
        by_clause.setdefault(c.clause, []).append(c)
    strong_sents = {c.sent for c in raw if c.strong and not c.background}
    out: list[Candidate] = []
    for clause, cs in by_clause.items():
        if cs[0].sent in strong_sents:
            cs = [c for c in cs if c.strong or c.background]
        families = {c.ttype["family"] for c in cs if not c.background}
        if "territory" in families:
            cs = [c for c in cs if c.ttype["family"] != _FAMILY_OF_BATTLE or c.background]
        best: dict[tuple[str, bool], Candidate] = {}
        for c in cs:
            key = (c.ttype["family"], c.background)
            if key not in best or c.ttype["priority"] > best[key].ttype["priority"]:
                best[key] = c
        out.extend(best.values())
    out.sort(key=lambda c: c.start)
    return out


def _consumed_places(ctx: _Ctx, cands: list[Candidate]) -> set[int]:
    """Places that background mentions point at («... مدينة إدلب بعد تحريرها»)."""
    consumed: set[int] = set()
    live = {(c.clause, c.ttype["family"]) for c in cands if not c.background}
    for c in cands:
        if not c.subordinate or (c.clause, c.ttype["family"]) in live:
            continue
        same = [i for i, p in enumerate(ctx.places) if ctx.toks[p.start].clause == c.clause]
        if same:
            consumed.add(min(same, key=lambda i: abs(ctx.places[i].start - c.start)))
    for i, p in enumerate(ctx.places):
        if _is_origin(ctx, p):
            consumed.add(i)
    return consumed


def _is_origin(ctx: _Ctx, p: PlaceMention) -> bool:
    """«هرب ... من مدينة إدلب»: where someone came from is not where the event happened."""
    toks = ctx.toks
    j = p.start - 1
    if j >= 0 and p.qualifier and j - 1 >= 0:
        j -= 1
    if j < 0 or toks[j].text not in ("من", "ومن"):
        return False
    for k in range(max(0, j - 5), j):
        if toks[k].sent == toks[j].sent and k in ctx.starts["motion"]:
            return True
    return False


def _focus_place(ctx: _Ctx, consumed: set[int]) -> PlaceMention | None:
    """The place the article is about: the most mentioned town (the title counts twice)."""
    counts: dict[str, float] = {}
    first: dict[str, PlaceMention] = {}
    multi_para = len(set(ctx.doc.paragraphs)) > 1
    for i, p in enumerate(ctx.places):
        if p.row is None or p.kind not in ("place", "region") or i in consumed:
            continue
        name = p.row["name_en"]
        w = 2.0 if multi_para and ctx.toks[p.start].sent == 0 else 1.0
        counts[name] = counts.get(name, 0) + w
        first.setdefault(name, p)
    if not counts:
        return None
    best = max(counts, key=lambda n: (counts[n], -first[n].start))
    return first[best]


def _surface(ctx: _Ctx, start: int, end: int) -> str:
    return ctx.doc.text[ctx.toks[start].start:ctx.toks[end - 1].end]


def _pick_location(ctx: _Ctx, c: Candidate, consumed: set[int], focus: PlaceMention | None):
    """The place of the trigger's clause (first after the trigger), else of the nearest
    clause of the sentence (its first place: «قرب بلدة مورك شمال حماة» is Morek); else
    the article's main place, marked as inherited."""
    toks = ctx.toks
    cands = [p for i, p in enumerate(ctx.places)
             if toks[p.start].sent == c.sent and i not in consumed and p.kind != "country"]
    if cands:
        same = [p for p in cands if toks[p.start].clause == c.clause]
        if same:
            after = [p for p in same if p.start >= c.end]
            pool = after or same
            good = [p for p in pool if (not p.weak or p.qualifier) and p.qualifier != "road"]
            return (good or [p for p in pool if not p.weak or p.qualifier] or pool)[0], False
        clause = min({toks[p.start].clause for p in cands},
                     key=lambda k: (abs(k - c.clause), k > c.clause))
        return [p for p in cands if toks[p.start].clause == clause][0], False
    countries = [p for p in ctx.places if toks[p.start].sent == c.sent and p.kind == "country"]
    if focus is not None:
        return focus, True
    if countries:
        return countries[0], False
    return None, True


_SPLIT_FAMILIES = {"remote", "battle", "territory"}


def _listed_places(ctx: _Ctx, c: Candidate) -> list[Candidate]:
    """«قصف الطيران بلدات كفرنبل وحاس وكفرومة»: one event per listed town (ACLED codes
    each location apart); the casualties stay with the first, as nothing splits them."""
    loc = c.event.get("location")
    if c.ttype["family"] not in _SPLIT_FAMILIES or loc is None or c.inherited_location:
        return []
    toks = ctx.toks
    chosen = [p for p in ctx.places if p.row is not None and p.row["name_en"] == loc["name_en"]
              and toks[p.start].sent == c.sent]
    if not chosen:
        return []
    last_end = chosen[0].end
    if any(toks[j].text in ("بين", "وبين") for j in range(max(0, chosen[0].start - 4), chosen[0].start)):
        return []
    out = []
    for p in ctx.places:
        if p.start < last_end or toks[p.start].sent != c.sent:
            continue
        if p.start - last_end > 1 or not toks[p.start].text.startswith("و") or p.kind not in ("place",):
            break
        twin = Candidate(c.ttype, c.start, c.end, c.sent, c.clause, c.strong)
        twin.twin_of = id(c)
        twin.event = {**c.event, "location": location_dict(p, _surface(ctx, p.start, p.end)),
                      "fatalities": 0, "injured": None, "captured": None,
                      "assoc_actor_1": list(c.event["assoc_actor_1"]),
                      "assoc_actor_2": list(c.event["assoc_actor_2"])}
        twin.event["location"]["geo_precision"] = c.event["location"]["geo_precision"]
        out.append(twin)
        last_end = p.end
    return out


def _numbers_in(ctx: _Ctx, sent: int) -> list[tuple[int, int]]:
    """(token index, value) of numbers in a sentence; dates, years and running totals
    («ارتفاع عدد القتلى إلى 51») left out."""
    out = []
    totals = [m.end for m in ctx.cue["cumulative"] if ctx.toks[m.start].sent == sent]
    words = {m.start: (m.end, int(payloads(m)[0])) for m in ctx.cue["numbers"] if ctx.toks[m.start].sent == sent}
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


def _sentence_numbers(ctx: _Ctx, sent: int) -> tuple[dict[int, int], dict[int, int], list[int]]:
    cached = ctx.numbers_cache.get(sent)
    if cached is None:
        toks = ctx.toks
        nums = dict(_numbers_in(ctx, sent))
        persons: dict[int, int] = {}      # «عنصر» counts one only right after the casualty word
        for k, val in (("person_singular", 1), ("person_dual", 2)):
            for m in ctx.cue[k]:
                if toks[m.start].sent == sent:
                    persons.setdefault(m.start, val)
        bounds = sorted(m.start for k in ("fatality_words", "injured_words", "captured_words", "defected_words")
                        for m in ctx.cue[k] if toks[m.start].sent == sent)
        cached = ctx.numbers_cache[sent] = (nums, persons, bounds)
    return cached


def _count(ctx: _Ctx, key: str, c: Candidate) -> int | None:
    """The number that goes with the casualty words of ``key`` in the trigger's sentence.

    «مقتل 5 وإصابة 10»: a number belongs to the casualty word before it (up to the next
    casualty word), else to one right after it («5 قتلى»); «مقتل عنصر» is one, «عنصرين» two.
    """
    toks = ctx.toks
    rivals = [o for o in ctx.live if o.sent == c.sent and o is not c]
    # Each casualty word belongs to the nearest event trigger of its sentence.
    words = [m for m in ctx.cue[key] if toks[m.start].sent == c.sent
             and all(abs(m.start - c.start) <= abs(m.start - o.start) for o in rivals)]
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


def _deaths_after(ctx: _Ctx, c: Candidate) -> int:
    """«أعدم التنظيم ثلاثة شبان»: the number after an execution verb, else one."""
    nums, persons, _ = _sentence_numbers(ctx, c.sent)
    after = [n for n in list(nums) + list(persons) if c.end <= n <= c.end + 3]
    return (nums.get(min(after)) or persons.get(min(after))) if after else 1


def _date_for(ctx: _Ctx, c: Candidate) -> tuple[dt.date | None, int]:
    same = [d for d in ctx.dates if ctx.toks[d.start].clause == c.clause]
    sent = [d for d in ctx.dates if ctx.toks[d.start].sent == c.sent]
    pool = same or sent
    if pool:
        d = min(pool, key=lambda d: abs(d.start - c.start))
        return d.date, d.precision
    return ctx.pub_date, 1


def _choose_actors(ctx: _Ctx, c: Candidate, country: str | None, when: dt.date | None):
    toks = ctx.toks
    ms = [(i, a) for i, a in enumerate(ctx.actor_ms) if toks[a.start].sent == c.sent]
    resolved = {}
    for i, a in ms:
        e = resolve_entry(a.entries, when, country)
        if e is not None:
            resolved[i] = national_forces(e, when, country)
    prim = [(i, a) for i, a in ms if i in resolved and a.role != "source"
            and (a.role not in ("member", "support") or a.assoc_of not in resolved)]
    civ = [(i, a) for i, a in prim if resolved[i]["type"] == "Civilians"]
    armed = [(i, a) for i, a in prim if resolved[i]["type"] not in ("Civilians", "Protesters", "Rioters")]
    fam = c.ttype["family"]
    a1 = a2 = None

    def dist(pair):
        return abs(pair[1].start - c.start)

    if fam == "battle":
        # «اشتباكات بين X و Y» or «بين X و Y اشتباكات»
        near = [j for j in ctx.starts["between"] if toks[j].sent == c.sent and -8 <= j - c.start <= 4]
        if near:
            j = min(near, key=lambda j: abs(j - c.start))
            after = [p for p in armed if p[1].start > j]
            if len(after) >= 2:
                a1, a2 = after[0], after[1]
    if fam == "group":
        before = [p for p in armed if p[1].start < c.start]
        a1 = max(before, key=lambda p: p[1].start) if before else (armed[0] if armed else None)
    if fam == "protest":
        prot = [p for p in prim if resolved[p[0]]["type"] in ("Protesters", "Rioters")]
        a1 = prot[0] if prot else None
        # A peaceful protest has no second actor; one that was dispersed has the force.
        if c.ttype["sub_event_type"] != "Peaceful protest":
            a2 = min(armed, key=dist) if armed else None
    if fam == "arrest":
        # «اعتقلت قسد قياديا في داعش»: who comes after the arrest verb was arrested.
        armed_after = [p for p in armed if p[1].start >= c.end and p[1].start != c.end]
        for p in armed_after:
            if p[1].role is None:
                p[1].role = "target"
    if a1 is None and fam not in ("protest",):
        free = [p for p in armed if p[1].role != "target"]
        if free:
            # «تصدت هيئة تحرير الشام ...», «قصفت قوات النظام ...»: the name right after the
            # trigger verb is its subject.
            verb_ends = {m.end for m in ctx.trigger_ms if toks[m.start].clause == c.clause} | {c.end}
            a1 = min(free, key=lambda p: (toks[p[1].start].clause != c.clause,
                                          p[1].start not in verb_ends and not c.start < p[1].start < c.end
                                          and p[1].role != "agent", dist(p)))
    if a2 is None and fam != "protest":
        others = [p for p in armed if a1 is None or p[0] != a1[0] and not _same_side(resolved[a1[0]], resolved[p[0]])]
        targets = [p for p in others if p[1].role == "target"]
        if fam in ("civilian", "arrest") and civ:
            a2 = min(civ, key=dist)
        elif targets:
            a2 = min(targets, key=dist)
        elif fam in ("battle", "territory") and others:
            a2 = min(others, key=dist)
        elif civ and fam == "remote":
            a2 = min(civ, key=dist)
    if a1 is not None and a2 is not None and resolved[a1[0]]["name"] == resolved[a2[0]]["name"]:
        a2 = None

    def build(pair):
        if pair is None:
            return None, []
        i, a = pair
        d = actor_dict(resolved[i], _surface(ctx, a.start, a.end), country)
        assoc = []
        for k, b in ms:
            if b.assoc_of == i and k in resolved:
                name = actor_dict(resolved[k], "", country)["name"]
                if name != d["name"] and name not in assoc:
                    assoc.append(name)
        return d, assoc

    (d1, s1), (d2, s2) = build(a1), build(a2)
    if fam == "civilian" and d2 is None and c.ttype["event_type"] == "Violence against civilians":
        d2 = actor_dict({"name": "Civilians ({country})", "type": "Civilians"}, None, country)
    if fam == "protest" and d1 is None:
        d1 = actor_dict({"name": "Protesters ({country})", "type": "Protesters"}, None, country)
    return d1, s1, d2, s2, bool(civ)


def _air_in_clause(ctx: _Ctx, c: Candidate) -> bool:
    return any(ctx.toks[m.start].clause == c.clause for m in ctx.cue["air_cues"])


def _same_side(a: dict, b: dict) -> bool:
    """A vague mention of the same kind of actor is an ally, not the other side."""
    return a["type"] == b["type"] and (a.get("generic") or b.get("generic")) and a["name"] != b["name"] \
        or a["name"] == b["name"]


def _modality(ctx: _Ctx, c: Candidate) -> tuple[str, str | None]:
    toks = ctx.toks
    denied = any(toks[m.start].sent == c.sent and m.start < c.start for m in ctx.cue["denied"])
    claimed = [m for m in ctx.cue["claimed"] if toks[m.start].sent == c.sent and m.start < c.start]
    srcs = [m for m in ctx.source_ms if toks[m.start].sent == c.sent]
    source = None
    if srcs:
        before = [m for m in srcs if m.start < c.start]
        source = payloads(min(before or srcs, key=lambda m: abs(m.start - c.start)))[0]
    elif claimed:
        after = [a for a in ctx.actor_ms if claimed[-1].end <= a.start <= claimed[-1].end + 2]
        before = [a for a in ctx.actor_ms if claimed[-1].start - 4 <= a.end <= claimed[-1].start]
        pick = (after or before or [None])[0]
        if pick is not None:
            e = resolve_entry(pick.entries, ctx.pub_date, ctx.country)
            if e is not None:
                source = actor_dict(e, "", ctx.country)["name"]
    modality = "denied" if denied else "claimed" if claimed else "reported"
    return modality, source


def _build(ctx: _Ctx, c: Candidate, consumed: set[int], focus: PlaceMention | None) -> bool:
    loc, inherited = _pick_location(ctx, c, consumed, focus)
    country = (loc.row or loc.rows[0])["country"] if loc is not None else ctx.country
    date, tprec = _date_for(ctx, c)
    if date is not None and ctx.pub_date is not None and \
            (ctx.pub_date - date).days > BACKGROUND_DAYS:
        return False
    d1, s1, d2, s2, has_civ = _choose_actors(ctx, c, country, date or ctx.pub_date)
    sub = c.ttype["sub_event_type"]
    etype = c.ttype["event_type"]
    if c.ttype["family"] == "protest" and etype == "Protests":
        sent_cues = {k: any(ctx.toks[m.start].sent == c.sent for m in ctx.cue[k])
                     for k in ("protest_intervention", "protest_excessive")}
        if sent_cues["protest_excessive"] or (sent_cues["protest_intervention"] and _count(ctx, "fatality_words", c)):
            sub = "Excessive force against protesters"
        elif sent_cues["protest_intervention"]:
            sub = "Protest with intervention"
        if sub != "Peaceful protest" and d2 is None:
            forces = [a for a in ctx.actor_ms if ctx.toks[a.start].sent == c.sent]
            for a in forces:
                e = resolve_entry(a.entries, date or ctx.pub_date, country)
                if e and e["type"] not in ("Protesters", "Rioters", "Civilians"):
                    d2 = actor_dict(e, _surface(ctx, a.start, a.end), country)
                    break
    if sub == "Shelling/artillery/missile attack" and _air_in_clause(ctx, c):
        sub = "Air/drone strike"
    if sub == "TERRITORY":
        state = d1 is not None and d1["type"] in ("State forces", "External/Other forces")
        sub = "Government regains territory" if state else "Non-state actor overtakes territory"
    if etype == "Battles" and sub == "Armed clash" and d2 is None and has_civ and not c.strong:
        # «قتل مسلحون 3 مدنيين برصاص ...»: shooting at civilians is not a battle.
        sub, etype = "Attack", "Violence against civilians"
        d2 = actor_dict({"name": "Civilians ({country})", "type": "Civilians"}, None, country)
    s_start, s_end = ctx.doc.sentences[c.sent]
    modality, attributed = _modality(ctx, c)
    conf = 0.4 + (0.15 if c.strong else 0) + (0.1 if d1 else 0) + (0.05 if d2 else 0) \
        + (0.15 if loc is not None and not inherited else 0.05 if loc is not None else 0) \
        + (0.1 if ctx.pub_date else 0)
    c.inherited_location = inherited
    if c.ttype["family"] in ("arrest", "property") and \
            any(ctx.toks[m.start].sent == c.sent for m in ctx.cue["crime_words"]):
        return False            # «اعتقال عصابة لسرقة السيارات»: crime, not political disorder
    if not c.strong and not _count(ctx, "fatality_words", c) and \
            not any(a is not None and a["type"] not in ("Civilians", "Protesters") for a in (d1, d2)):
        return False            # «شن هجوما على الكتل السياسية»: a generic word needs an armed actor
    if d1 is None and d2 is None and (loc is None or (inherited and len(ctx.doc.sentences) < 3)):
        # «السيطرة على الأسعار», «انفجار في الأسعار»: nothing ties the word to a conflict.
        if not _count(ctx, "fatality_words", c):
            return False
    c.event = {
        "event_type": etype,
        "sub_event_type": sub,
        "disorder_type": triggers()["disorder"].get(etype),
        "actor1": d1, "assoc_actor_1": s1,
        "actor2": d2, "assoc_actor_2": s2,
        "location": location_dict(loc, _surface(ctx, loc.start, loc.end)) if loc is not None else None,
        "date": date.isoformat() if date else None,
        "time_precision": tprec if date else None,
        "fatalities": _count(ctx, "fatality_words", c) or (_deaths_after(ctx, c) if c.deadly else 0),
        "injured": _count(ctx, "injured_words", c),
        "captured": _count(ctx, "captured_words", c) if c.ttype["family"] in _CAPTURING else None,
        "defected": _count(ctx, "defected_words", c) if c.ttype["family"] == "group" else None,
        "modality": modality,
        "attributed_source": attributed,
        "evidence": {"text": ctx.doc.text[s_start:s_end], "start": s_start, "end": s_end},
        "trigger": _surface(ctx, c.start, c.end),
        "confidence": round(min(conf, 0.95) * (0.85 if inherited else 1.0), 2),
        "extractor_version": EXTRACTOR_VERSION,
    }
    return True


# ---------------------------------------------------------------------------- merging

_MERGEABLE = {frozenset({"Remote explosive/landmine/IED", "Suicide bomb"}),
              frozenset({"Remote explosive/landmine/IED", "Air/drone strike"}),
              frozenset({"Air/drone strike", "Chemical weapon"}),
              frozenset({"Shelling/artillery/missile attack", "Air/drone strike"})}
_SUB_RANK = {"Chemical weapon": 3, "Suicide bomb": 3, "Air/drone strike": 2,
             "Remote explosive/landmine/IED": 1, "Shelling/artillery/missile attack": 1}


@lru_cache(maxsize=1)
def _generic_re() -> re.Pattern:
    """Names of vague actors («فصائل المعارضة», «القوات الحكومية») after {country} is filled."""
    parts = []
    for a in actors():
        if a.get("generic"):
            parts.append(re.escape(a["name"]).replace(re.escape("{country}"), "[^()]+")
                         .replace(re.escape(" ({country})"), "( \\([^()]+\\))?"))
    return re.compile("^(?:" + "|".join(parts) + ")$")


@lru_cache(maxsize=1)
def _generic_bare() -> frozenset[str]:
    return frozenset(a["name"].replace(" ({country})", "").replace(" of {country}", "")
                     for a in actors() if a.get("generic"))


def _is_generic(actor: dict) -> bool:
    return actor["name"] in _generic_bare() or bool(_generic_re().match(actor["name"]))


def _actor_compatible(a: dict | None, b: dict | None) -> bool:
    if a is None or b is None:
        return True
    if a["name"] == b["name"]:
        return True
    return a["type"] == b["type"] and (_is_generic(a) or _is_generic(b))


def _more_specific(a: dict | None, b: dict | None) -> dict | None:
    if a is None:
        return b
    if b is None:
        return a
    return b if _is_generic(a) and not _is_generic(b) and a["type"] == b["type"] else a


def _same_event(x: Candidate, y: Candidate) -> bool:
    if x.twin_of is not None or y.twin_of is not None:
        return False            # listed towns stay apart
    ex, ey = x.event, y.event
    if ex["date"] != ey["date"]:
        return False
    subs = frozenset({ex["sub_event_type"], ey["sub_event_type"]})
    territory = {"Government regains territory", "Non-state actor overtakes territory"}
    if len(subs) > 1 and subs not in _MERGEABLE and not subs <= territory:
        return False
    if len(subs) > 1 and subs in _MERGEABLE and abs(x.sent - y.sent) > 1:
        return False
    lx, ly = ex["location"], ey["location"]
    if (x.headline or y.headline) and len(subs) == 1 and lx and ly and lx["admin1"] == ly["admin1"]:
        # The headline announces the event the body then places precisely.
        return _actor_compatible(ex["actor1"], ey["actor1"])
    if x.sent == y.sent and len(subs) == 1:
        # One sentence tells one fight: «اشتباكات ... قرب المشيرفة ... على مناطق الاشتباك».
        return _actor_compatible(ex["actor1"], ey["actor1"]) or _actor_compatible(ex["actor1"], ey["actor2"])
    if lx and ly and lx["name_en"] != ly["name_en"] and not (x.inherited_location or y.inherited_location):
        return False
    if lx and ly and lx["name_en"] != ly["name_en"] and abs(x.sent - y.sent) > 1:
        return False
    return _actor_compatible(ex["actor1"], ey["actor1"]) and _actor_compatible(ex["actor2"], ey["actor2"])


def _merge(events: list[Candidate]) -> list[Candidate]:
    out: list[Candidate] = []
    for c in events:
        for k in out:
            if _same_event(k, c):
                _absorb(k, c)
                break
        else:
            out.append(c)
    return out


def _absorb(k: Candidate, c: Candidate) -> None:
    ek, ec = k.event, c.event
    k.mentions += 1
    if _SUB_RANK.get(ec["sub_event_type"], 0) > _SUB_RANK.get(ek["sub_event_type"], 0):
        ek["sub_event_type"] = ec["sub_event_type"]
    other = {"actor1": ec["actor1"], "actor2": ec["actor2"],
             "assoc_actor_1": ec["assoc_actor_1"], "assoc_actor_2": ec["assoc_actor_2"]}
    if not _actor_compatible(ek["actor1"], ec["actor1"]) or \
            (ek["actor1"] and ec["actor2"] and ek["actor1"]["name"] == ec["actor2"]["name"]):
        # The other mention names the sides the other way round.
        other = {"actor1": ec["actor2"], "actor2": ec["actor1"],
                 "assoc_actor_1": ec["assoc_actor_2"], "assoc_actor_2": ec["assoc_actor_1"]}
    for role, assoc in (("actor1", "assoc_actor_1"), ("actor2", "assoc_actor_2")):
        ek[role] = _more_specific(ek[role], other[role])
        for n in other[assoc]:
            if n not in ek[assoc] and (ek[role] is None or n != ek[role]["name"]):
                ek[assoc].append(n)
    if ek["sub_event_type"] in ("Government regains territory", "Non-state actor overtakes territory") \
            and ek["actor1"] is not None:
        state = ek["actor1"]["type"] in ("State forces", "External/Other forces")
        ek["sub_event_type"] = "Government regains territory" if state else "Non-state actor overtakes territory"
    if k.headline and ec["location"] and (not ek["location"] or
                                          ec["location"]["geo_precision"] <= ek["location"]["geo_precision"]):
        ek["location"] = ec["location"]
        ek["evidence"] = ec["evidence"]
        k.headline = False
    elif k.inherited_location and not c.inherited_location and ec["location"]:
        ek["location"] = ec["location"]
        k.inherited_location = False
    elif ek["location"] and ec["location"] and ek["location"]["name_en"] == ec["location"]["name_en"]:
        ek["location"]["geo_precision"] = min(ek["location"]["geo_precision"], ec["location"]["geo_precision"])
    ek["fatalities"] = max(ek["fatalities"] or 0, ec["fatalities"] or 0)
    for f in ("injured", "captured", "defected"):
        if ec[f] is not None:
            ek[f] = max(ek[f] or 0, ec[f])
    if ek["attributed_source"] is None:
        ek["attributed_source"] = ec["attributed_source"]
    if ek["modality"] == "reported" and ec["modality"] == "claimed":
        ek["modality"] = "claimed"
    if ek["actor1"] and ek["actor2"] and ek["actor1"]["name"] == ek["actor2"]["name"]:
        ek["actor2"] = None
    ek["confidence"] = max(ek["confidence"], ec["confidence"])
