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

from pipelines.events.actors import actor_dict, national_forces, resolve_entry
from pipelines.events.candidate import Candidate
from pipelines.events.casualties import count_casualties, deaths_after
from pipelines.events.document import DocContext, covered
from pipelines.events.factuality import Decision, caused_death, decide, pluperfect
from pipelines.events.lexicon import payloads, triggers
from pipelines.events.merge import merge_events
from pipelines.events.morph import prefix_forms
from pipelines.events.places import PlaceMention, location_dict

EXTRACTOR_VERSION = "marsad-events-0.1.0"
log = logging.getLogger(__name__)

MAX_CHARS = 200_000           # longer inputs are cut: no news article is that long
OLD_DAYS = 14                 # an event dated this much before publication may be a recall
_CAPTURING = {"battle", "territory", "arrest", "civilian"}
_FAMILY_OF_BATTLE = "battle"


class EventExtractionError(RuntimeError):
    """A bug inside the extractor: the caller records it (``events_error``), never as "no events"."""


@dataclass
class Extraction:
    """What one text yields: the events, and the candidates that are not events (with their
    factuality decision and cue), kept for audit and never exported."""
    events: list[dict] = field(default_factory=list)
    mentions: list[dict] = field(default_factory=list)


def analyse(text: str, *, published: str | None = None, timezone: str | None = None,
            source: str | None = None) -> Extraction:
    """Events and non-event mentions of a text. Bad input (not a string, blank) gives an
    empty result; an internal error raises EventExtractionError."""
    if not isinstance(text, str) or not text.strip():
        return Extraction()
    try:
        return _extract(text[:MAX_CHARS], published, timezone, source)
    except Exception as exc:
        log.exception("event extraction failed")
        raise EventExtractionError(f"{type(exc).__name__}: {exc}") from exc


def extract_events(text: str, *, published: str | None = None, timezone: str | None = None,
                   source: str | None = None) -> list[dict]:
    """Events reported in an article's text (``[]`` for bad input). An internal error raises
    EventExtractionError so that the article records it instead of losing its events."""
    return analyse(text, published=published, timezone=timezone, source=source).events


# ---------------------------------------------------------------------------- extraction

def _extract(text: str, published: str | None, timezone: str | None, source: str | None) -> Extraction:
    ctx = DocContext(text, published, timezone)
    if not ctx.toks:
        return Extraction()
    cands = _candidates(ctx)
    ctx.live = [c for c in cands if not c.background]
    consumed = _consumed_places(ctx, cands)
    focus = _focus_place(ctx, consumed)
    events: list[Candidate] = []
    mentions: list[dict] = []
    for c in cands:
        if c.background:
            mentions.append(_mention(ctx, c))
            continue
        c.headline = c.sent == 0 and len(set(ctx.doc.paragraphs)) > 1 and \
            ctx.doc.sentences[0][1] <= (ctx.text_first_break if ctx.text_first_break >= 0 else 10 ** 9)
        if _build(ctx, c, consumed, focus):
            events.append(c)
            events.extend(_listed_places(ctx, c))
        else:
            mentions.append(_mention(ctx, c))
    merged = merge_events(events)
    out = []
    for c in merged:
        ev = c.event
        ev["confidence"] = round(min(0.95, ev["confidence"] + 0.05 * (c.mentions - 1)), 2)
        # after merging: a named actor of another mention wins over the unidentified one
        country = (ev["location"] or {}).get("country") or ctx.country
        ev["actor1"], reason = _actor1_or_reason(ev["actor1"], ev["event_type"], country)
        if reason:
            ev["actor1_reason"] = reason
        out.append(ev)
    return Extraction(out, mentions)


def _mention(ctx: DocContext, c: Candidate) -> dict:
    """A candidate that is not an event, as an audit record."""
    s_start, s_end = ctx.doc.sentences[c.sent]
    return {"event_type": c.ttype["event_type"], "sub_event_type": c.ttype["sub_event_type"],
            "trigger": _surface(ctx, c.start, c.end), "factuality": c.decision.as_dict(),
            "evidence": {"text": ctx.doc.text[s_start:s_end], "start": s_start, "end": s_end},
            "extractor_version": EXTRACTOR_VERSION}


def _candidates(ctx: DocContext) -> list[Candidate]:
    toks = ctx.toks
    # A trigger word inside a name is not a trigger («هيئة تحرير الشام»), unless the name
    # starts with it («غارة أمريكية», «الطيران الروسي»: the name is the deed's author).
    blocked = ctx.place_tokens | {i for a in ctx.actor_ms for i in range(a.start + 1, a.end)} \
        | covered(ctx.source_ms)
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
        cand = Candidate(info["type"], m.start, m.end, t.sent, t.clause, not info["weak"])
        cand.deadly = info["deadly"]
        cand.decision = _decision(ctx, cand)
        cand.background = not cand.decision.occurred
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
        if "disrupted" in families:
            # «أسقطت الدفاعات الجوية صواريخ»: the missiles were stopped, not fired at a target.
            cs = [c for c in cs if c.ttype["family"] != "remote" or c.background]
        best: dict[tuple[str, bool], Candidate] = {}
        for c in cs:
            key = (c.ttype["family"], c.background)
            if key not in best or c.ttype["priority"] > best[key].ttype["priority"]:
                best[key] = c
        out.extend(best.values())
    out.sort(key=lambda c: c.start)
    # «اشتباكات ... وسط قصف مدفعي متبادل»: fire amid a battle belongs to the battle.
    battle_sents = {c.sent for c in out if c.ttype["family"] == _FAMILY_OF_BATTLE and not c.background}
    return [c for c in out if not (c.ttype["family"] == "remote" and c.sent in battle_sents and c.start > 0
                                   and toks[c.start - 1].text in ("وسط", "ووسط"))]


def _decision(ctx: DocContext, c: Candidate) -> Decision:
    """Factuality first; then the two recalls told by position: a noun after a time word
    («بعد تحريرها») and what people fled («هربا من المعارك»)."""
    d = decide(ctx, c)
    if not d.occurred:
        return d
    sub = _after_subordinator(ctx, c.start)
    if sub is not None and not caused_death(ctx, c, sub):
        c.subordinate = True
        return Decision("reference", _surface(ctx, sub, sub + 1))
    toks = ctx.toks
    if c.start >= 2 and toks[c.start - 1].text == "من" and c.start - 2 in ctx.starts["motion"]:
        return Decision("reference", _surface(ctx, c.start - 2, c.start))
    return d


def _after_subordinator(ctx: DocContext, start: int) -> int | None:
    """«بعد تحريرها», «بعد يومين من اختطافه»: a noun recalled after a time word (its index)."""
    toks = ctx.toks
    j = start - 1
    gap = 0
    coordinated = toks[start].text[:1] == "و"     # «بعد حصار وقصف»: one noun may come between
    while j >= 0 and toks[j].clause == toks[start].clause and gap <= 3:
        if j in ctx.starts["temporal_subordinators"]:
            return j
        if j not in ctx.starts["subordinate_gap"]:
            if not coordinated:
                return None
            coordinated = False
        j -= 1
        gap += 1
    return None


def _consumed_places(ctx: DocContext, cands: list[Candidate]) -> set[int]:
    """Places that background mentions point at («... مدينة إدلب بعد تحريرها»)."""
    consumed: set[int] = set()
    live = {(c.clause, c.ttype["family"]) for c in cands if not c.background}
    for c in cands:
        if not c.subordinate or (c.clause, c.ttype["family"]) in live:
            continue
        same = [i for i, p in ctx.in_sent("places", c.sent) if ctx.toks[p.start].clause == c.clause]
        if same:
            consumed.add(min(same, key=lambda i: abs(ctx.places[i].start - c.start)))
    for i, p in enumerate(ctx.places):
        if _is_origin(ctx, p) or _is_dateline(ctx, p):
            consumed.add(i)
    return consumed


def _is_dateline(ctx: DocContext, p: PlaceMention) -> bool:
    """«غازي عنتاب -», «بيروت (رويترز) -»: where the report was written, at the head of a
    paragraph and closed by a dash or colon, is never the event's place."""
    toks = ctx.toks
    first = ctx.sent_first(toks[p.start].sent)
    sent = toks[p.start].sent
    s_start, _ = ctx.doc.sentences[sent]
    para_head = sent == 0 or ctx.doc.paragraphs[sent] != ctx.doc.paragraphs[sent - 1] or \
        ctx.doc.text[max(0, s_start - 1):s_start] == "\n"
    if not para_head or p.start - first > 1:
        return False
    # only the place (and a news agency in brackets) before the closing mark
    tail = ctx.doc.text[toks[p.end - 1].end:toks[p.end - 1].end + 40]
    return bool(_DATELINE_TAIL.match(tail))


_DATELINE_TAIL = re.compile(r"^\s*(?:\([^)]{0,30}\)\s*)?(?:[-–—ـ:]|\s-\s)")


def _is_origin(ctx: DocContext, p: PlaceMention) -> bool:
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


def _focus_place(ctx: DocContext, consumed: set[int]) -> PlaceMention | None:
    """The place the article is about: the most mentioned town (the title counts twice)."""
    counts: dict[str, float] = {}
    first: dict[str, PlaceMention] = {}
    multi_para = len(set(ctx.doc.paragraphs)) > 1
    for i, p in enumerate(ctx.places):
        if p.row is None or p.kind not in ("place", "subdistrict", "region") or i in consumed:
            continue
        name = p.row["name_en"]
        w = 2.0 if multi_para and ctx.toks[p.start].sent == 0 else 1.0
        counts[name] = counts.get(name, 0) + w
        first.setdefault(name, p)
    if not counts:
        return None
    best = max(counts, key=lambda n: (counts[n], -first[n].start))
    return first[best]


def _surface(ctx: DocContext, start: int, end: int) -> str:
    return ctx.doc.text[ctx.toks[start].start:ctx.toks[end - 1].end]


def _pick_location(ctx: DocContext, c: Candidate, consumed: set[int], focus: PlaceMention | None):
    """The place of the trigger's clause (first after the trigger), else of the nearest
    clause of the sentence (its first place: «قرب بلدة مورك شمال حماة» is Morek); else
    the article's main place, marked as inherited."""
    toks = ctx.toks
    # A place someone fled or withdrew from is left out even for a capture: «هرب إليها جيش
    # النظام من مدينة إدلب» names the city taken weeks before, not today's battlefield.
    cands = [p for i, p in ctx.in_sent("places", c.sent) if i not in consumed and p.kind != "country"]
    if cands:
        same = [p for p in cands if toks[p.start].clause == c.clause]
        if same:
            after = [p for p in same if p.start >= c.end]
            pool = after or same
            usable = [p for p in pool if p.qualifier != "road"] or pool
            towns = [p for p in usable if p.kind in ("place", "subdistrict")]
            sure = [p for p in towns if not p.weak or p.qualifier]
            # A town named with a place word beats a bare one-word name; any town beats a region.
            return (sure or towns or usable)[0], False
        clause = min({toks[p.start].clause for p in cands},
                     key=lambda k: (abs(k - c.clause), k > c.clause))
        return [p for p in cands if toks[p.start].clause == clause][0], False
    countries = [p for _, p in ctx.in_sent("places", c.sent) if p.kind == "country"]
    if focus is not None:
        return focus, True
    if countries:
        return countries[0], False
    return None, True


_SPLIT_FAMILIES = {"remote", "battle", "territory"}


def _listed_places(ctx: DocContext, c: Candidate) -> list[Candidate]:
    """«قصف الطيران بلدات كفرنبل وحاس وكفرومة»: one event per listed town (ACLED codes
    each location apart); the casualties stay with the first, as nothing splits them."""
    loc = c.event.get("location")
    if c.ttype["family"] not in _SPLIT_FAMILIES or loc is None or c.inherited_location:
        return []
    toks = ctx.toks
    chosen = [p for _, p in ctx.in_sent("places", c.sent) if p.row is not None and p.row["name_en"] == loc["name_en"]]
    if not chosen:
        return []
    last_end = chosen[0].end
    if any(toks[j].text in ("بين", "وبين") for j in range(max(0, chosen[0].start - 4), chosen[0].start)):
        return []
    out = []
    for _, p in ctx.in_sent("places", c.sent):
        if p.start < last_end:
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



def _date_for(ctx: DocContext, c: Candidate) -> tuple[dt.date | None, int]:
    # «سيطرت على المستشفى بعد سيطرتها على المدينة في 25 نيسان»: a date after a time word
    # dates the recalled deed, not this one.
    subs = [j for j in ctx.starts["temporal_subordinators"] if ctx.toks[j].sent == c.sent and j > c.end]
    sent = [d for _, d in ctx.in_sent("dates", c.sent) if not any(c.end <= j < d.start for j in subs)]
    same = [d for d in sent if ctx.toks[d.start].clause == c.clause]
    pool = same or sent
    if pool:
        d = min(pool, key=lambda d: abs(d.start - c.start))
        return d.date, d.precision
    return ctx.pub_date, 1


def _choose_actors(ctx: DocContext, c: Candidate, country: str | None, when: dt.date | None):
    toks = ctx.toks
    ms = ctx.in_sent("actors", c.sent)
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
            verb_ends = {m.end for _, m in ctx.in_sent("triggers", c.sent) if toks[m.start].clause == c.clause} | {c.end}
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
        elif fam in ("battle", "territory", "disrupted") and others:
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


def _air_in_clause(ctx: DocContext, c: Candidate) -> bool:
    # near the trigger only: «قصف مواقع ... ردا على الغارة» is shelling answering an air strike
    return any(ctx.toks[m.start].clause == c.clause and -4 <= m.start - c.start <= 4
               for _, m in ctx.in_sent("air_cues", c.sent))


def _same_side(a: dict, b: dict) -> bool:
    """A vague mention of the same kind of actor is an ally, not the other side."""
    return a["type"] == b["type"] and (a.get("generic") or b.get("generic")) and a["name"] != b["name"] \
        or a["name"] == b["name"]


def _modality(ctx: DocContext, c: Candidate) -> tuple[str, str | None]:
    denied = any(m.start < c.start for _, m in ctx.in_sent("denied", c.sent))
    claimed = [m for _, m in ctx.in_sent("claimed", c.sent) if m.start < c.start]
    srcs = [m for _, m in ctx.in_sent("sources", c.sent)]
    source = None
    if srcs:
        before = [m for m in srcs if m.start < c.start]
        source = payloads(min(before or srcs, key=lambda m: abs(m.start - c.start)))[0]
    elif claimed:
        near = [a for _, a in ctx.in_sent("actors", c.sent)]
        after = [a for a in near if claimed[-1].end <= a.start <= claimed[-1].end + 2]
        before = [a for a in near if claimed[-1].start - 4 <= a.end <= claimed[-1].start]
        pick = (after or before or [None])[0]
        if pick is not None:
            e = resolve_entry(pick.entries, ctx.pub_date, ctx.country)
            if e is not None:
                source = actor_dict(e, "", ctx.country)["name"]
    if source is None:
        # «قال الجيش الأمريكي إن ...», «مصادر في الشرطة»: a named actor who tells the news
        for _, a in ctx.in_sent("actors", c.sent):
            if a.role == "source":
                e = resolve_entry(a.entries, ctx.pub_date, ctx.country)
                if e is not None:
                    source = actor_dict(e, "", ctx.country)["name"]
                    break
    modality = "denied" if denied else "claimed" if claimed else "reported"
    return modality, source


def _build(ctx: DocContext, c: Candidate, consumed: set[int], focus: PlaceMention | None) -> bool:
    loc, inherited = _pick_location(ctx, c, consumed, focus)
    country = (loc.row or loc.rows[0])["country"] if loc is not None else ctx.country
    date, tprec = _date_for(ctx, c)
    # An explicit earlier date is the date of a first report too: kept, less sure.
    old = date is not None and ctx.pub_date is not None and (ctx.pub_date - date).days > OLD_DAYS
    if old:
        aux = pluperfect(ctx, c)
        if aux is not None:
            c.decision = Decision("reference", f"{aux} + earlier date")
            return False
    d1, s1, d2, s2, has_civ = _choose_actors(ctx, c, country, date or ctx.pub_date)
    sub = c.ttype["sub_event_type"]
    etype = c.ttype["event_type"]
    if c.ttype["family"] == "protest" and etype == "Protests":
        sent_cues = {k: bool(ctx.in_sent(k, c.sent))
                     for k in ("protest_intervention", "protest_excessive")}
        if sent_cues["protest_excessive"] or count_casualties(ctx, "fatality_words", c):
            sub = "Excessive force against protesters"
        elif sent_cues["protest_intervention"]:
            sub = "Protest with intervention"
        if sub != "Peaceful protest" and d2 is None:
            forces = [a for _, a in ctx.in_sent("actors", c.sent)]
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
            ctx.in_sent("crime_words", c.sent):
        c.decision = Decision("other_sense", "crime")
        return False            # «اعتقال عصابة لسرقة السيارات»: crime, not political disorder
    deaths = count_casualties(ctx, "fatality_words", c)
    if not c.strong and not deaths and \
            not any(a is not None and a["type"] not in ("Civilians", "Protesters") for a in (d1, d2)):
        c.decision = Decision("unanchored", "generic word without armed actor or casualties")
        return False            # «شن هجوما على الكتل السياسية»: a generic word needs an armed actor
    unanchored = d1 is None and d2 is None and (loc is None or (inherited and len(ctx.doc.sentences) < 3)) \
        and not deaths
    if unanchored:
        # A precise word with nothing tying it to a conflict: kept, but much less sure.
        conf -= 0.25
    if old:
        conf -= 0.1
    c.event = {
        "event_type": etype,
        "sub_event_type": sub,
        "disorder_type": triggers()["disorder"].get(etype),
        "actor1": d1, "assoc_actor_1": s1,
        "actor2": d2, "assoc_actor_2": s2,
        "location": location_dict(loc, _surface(ctx, loc.start, loc.end)) if loc is not None else None,
        "date": date.isoformat() if date else None,
        "time_precision": tprec if date else None,
        "fatalities": count_casualties(ctx, "fatality_words", c) or (deaths_after(ctx, c) if c.deadly else 0),
        "injured": count_casualties(ctx, "injured_words", c),
        "captured": count_casualties(ctx, "captured_words", c) if c.ttype["family"] in _CAPTURING else None,
        "defected": count_casualties(ctx, "defected_words", c) if c.ttype["family"] == "group" else None,
        "modality": modality,
        "attributed_source": attributed,
        "evidence": {"text": ctx.doc.text[s_start:s_end], "start": s_start, "end": s_end},
        "trigger": _surface(ctx, c.start, c.end),
        "factuality": c.decision.as_dict(),
        "confidence": round(min(conf, 0.95) * (0.85 if inherited else 1.0), 2),
        "extractor_version": EXTRACTOR_VERSION,
    }
    return True


_VIOLENT = {"Battles", "Explosions/Remote violence", "Violence against civilians"}


def _actor1_or_reason(d1: dict | None, etype: str, country: str | None) -> tuple[dict | None, str | None]:
    """Every event has an actor1: political violence by no named actor is ACLED's
    «Unidentified Armed Group (Country)»; otherwise the event says why it has none."""
    if d1 is not None:
        return d1, None
    if etype in _VIOLENT:
        return actor_dict({"name": "Unidentified Armed Group ({country})", "type": "Political militia"},
                          "", country), None
    return None, "no actor named in the text"


