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

from pipelines.events.actor_choice import ChosenActors, choose_actors
from pipelines.events.actors import actor_dict, resolve_entry
from pipelines.events.candidate import Candidate
from pipelines.events.casualties import count_casualties, deaths_after
from pipelines.events.document import DocContext, covered
from pipelines.events.factuality import (
    Decision,
    caused_death,
    decide,
    definite,
    pluperfect,
    told_with_past_date,
    topic_governor,
)
from pipelines.events.lexicon import function_words, payloads, triggers
from pipelines.events.merge import merge_events
from pipelines.events.morph import prefix_forms
from pipelines.events.places import PlaceMention, location_dict
from pipelines.events.scorer import apply_scorer

EXTRACTOR_VERSION = "marsad-events-0.2.1"
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
    # The learned scorer's verdict comes last: it sees the rules' final fields. What it sets
    # aside are low-confidence mentions, not events.
    out, low_confidence = apply_scorer(out, text)
    mentions += [_set_aside(ev) for ev in low_confidence]
    return Extraction(out, mentions)


def _set_aside(event: dict) -> dict:
    """An event the learned scorer rejected, as an audit record like the other mentions."""
    return {"event_type": event.get("event_type"), "sub_event_type": event.get("sub_event_type"),
            "trigger": None,
            "factuality": {"decision": "low_confidence",
                           "cue": f"learned score {event.get('confidence')} under the threshold"},
            "rule_factuality": event.get("factuality"), "evidence": event.get("evidence"),
            "confidence": event.get("confidence"), "extractor_version": EXTRACTOR_VERSION}


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
            nxt: set[str] = set()
            for j in range(m.end, min(m.end + info["window"], len(toks))):
                if toks[j].sent != toks[m.start].sent:
                    break
                nxt |= prefix_forms(toks[j].text)
            if not nxt & set(info["requires"]):
                continue
        t = toks[m.start]
        cand = Candidate(info["type"], m.start, m.end, t.sent, t.clause, not info["weak"])
        cand.deadly = info["deadly"]
        cand.yields = info.get("yields", False)
        cand.definite = definite(ctx, cand) or topic_governor(ctx, cand) is not None
        cand.decision = _decision(ctx, cand)
        cand.background = not cand.decision.occurred
        raw.append(cand)
    # «قتل عشرة في هجوم شنه مسلحون»: the killing is the attack's toll
    others = {c.sent for c in raw if not c.yields and not c.background}
    raw = [c for c in raw if not (c.yields and c.sent in others)]
    # One event per clause and family; precise words beat generic ones.
    by_clause: dict[int, list[Candidate]] = {}
    for c in raw:
        by_clause.setdefault(c.clause, []).append(c)
    strong_sents = {c.sent for c in raw if c.strong and not c.background}
    out: list[Candidate] = []
    for cs in by_clause.values():
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
                                   and toks[c.start - 1].text in function_words("amid"))]


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
    if c.start >= 2 and toks[c.start - 1].text in function_words("from") and \
            c.start - 2 in ctx.starts["motion"]:
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
        if not c.subordinate:
            continue
        same = [i for i, p in ctx.in_sent("places", c.sent) if ctx.toks[p.start].clause == c.clause]
        if (c.clause, c.ttype["family"]) in live:
            # «ويأتي القصف بعد ساعات من غارة على مدينة سراقب»: the deed told in the clause
            # comes first; the place after the recalled one («غارة على سراقب») is the recall's.
            if not all(k.start < c.start for k in cands if not k.background and k.clause == c.clause
                       and k.ttype["family"] == c.ttype["family"]):
                continue
            same = [i for i in same if ctx.places[i].start > c.start]
            if same:
                i = min(same, key=lambda i: ctx.places[i].start)
                name = (ctx.places[i].row or {}).get("name_en")
                # unless it is the only place the text names: then it is the deed's too
                if any((p.row or {}).get("name_en") not in (None, name) for p in ctx.places):
                    consumed.add(i)
            continue
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
    # only the place (an outlet's name, a news agency in brackets) before the closing mark
    tail = ctx.doc.text[toks[p.end - 1].end:toks[p.end - 1].end + 40]
    return bool(_DATELINE_TAIL.match(tail))


# the place, up to two words of an outlet's name («حلب نيوز -», «حمص اليوم:») or a news
# agency in brackets, then the closing mark
_DATELINE_TAIL = re.compile(r"^\s*(?:[^\s\-–—ـ:()،,.]+\s+){0,2}?(?:\([^)]{0,30}\)\s*)?(?:[-–—ـ:]|\s-\s)")


def _is_origin(ctx: DocContext, p: PlaceMention) -> bool:
    """«هرب ... من مدينة إدلب»: where someone came from is not where the event happened."""
    toks = ctx.toks
    j = p.start - 1
    if j >= 0 and p.qualifier and j - 1 >= 0:
        j -= 1
    if j < 0 or toks[j].text not in function_words("from"):
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
    chosen = [p for _, p in ctx.in_sent("places", c.sent)
              if p.row is not None and p.row["name_en"] == loc["name_en"]]
    if not chosen:
        return []
    last_end = chosen[0].end
    if any(toks[j].text in function_words("between")
           for j in range(max(0, chosen[0].start - 4), chosen[0].start)):
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
    if told_with_past_date(ctx, c):
        # «دفن الأهالي اليوم ضحايا الغارة التي شنتها الطائرات أمس»: the relative clause after
        # the trigger dates the deed; the clause's own day is the funeral's
        told = [d for d in sent if c.end <= d.start <= c.end + 13]
        if told:
            d = min(told, key=lambda d: d.start)
            return d.date, d.precision
    same = [d for d in sent if ctx.toks[d.start].clause == c.clause]
    pool = same or sent
    if pool:
        d = min(pool, key=lambda d: abs(d.start - c.start))
        return d.date, d.precision
    return ctx.pub_date, 1


def _air_in_clause(ctx: DocContext, c: Candidate) -> bool:
    # near the trigger only: «قصف مواقع ... ردا على الغارة» is shelling answering an air strike
    return any(ctx.toks[m.start].clause == c.clause and -4 <= m.start - c.start <= 4
               for _, m in ctx.in_sent("air_cues", c.sent))


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


@dataclass
class _Draft:
    """What is known of a candidate event while it is built, step by step."""
    loc: PlaceMention | None
    inherited: bool                 # the place is the article's main place, not the sentence's
    country: str | None
    date: dt.date | None
    tprec: int
    old: bool                       # dated weeks before publication
    actors: ChosenActors
    event_type: str = ""
    sub_event_type: str = ""


def _build(ctx: DocContext, c: Candidate, consumed: set[int], focus: PlaceMention | None) -> bool:
    """Turn an occurred candidate into its event dict (``c.event``); False (with the reason in
    ``c.decision``) when it is no political event after all."""
    d = _draft(ctx, c, consumed, focus)
    if d is None:
        return False
    _type_event(ctx, c, d)
    c.inherited_location = d.inherited
    reason = _rejection(ctx, c, d)
    if reason is not None:
        c.decision = reason
        return False
    c.event = _event_dict(ctx, c, d)
    return True


def _draft(ctx: DocContext, c: Candidate, consumed: set[int], focus: PlaceMention | None) -> _Draft | None:
    loc, inherited = _pick_location(ctx, c, consumed, focus)
    country = (loc.row or loc.rows[0])["country"] if loc is not None else ctx.country
    date, tprec = _date_for(ctx, c)
    # An explicit earlier date is the date of a first report too: kept, less sure; with the
    # pluperfect it recalls a known event.
    old = date is not None and ctx.pub_date is not None and (ctx.pub_date - date).days > OLD_DAYS
    if old:
        aux = pluperfect(ctx, c)
        if aux is not None:
            c.decision = Decision("reference", f"{aux} + earlier date")
            return None
    chosen = choose_actors(ctx, c, country, date or ctx.pub_date)
    return _Draft(loc, inherited, country, date, tprec, old, chosen,
                  c.ttype["event_type"], c.ttype["sub_event_type"])


def _type_event(ctx: DocContext, c: Candidate, d: _Draft) -> None:
    """The sub-event type from what the sentence adds to the trigger."""
    a = d.actors
    if c.ttype["family"] == "protest" and d.event_type == "Protests":
        _protest_response(ctx, c, d)
    if d.sub_event_type == "Shelling/artillery/missile attack" and _air_in_clause(ctx, c):
        d.sub_event_type = "Air/drone strike"
    if d.sub_event_type == "TERRITORY":
        state = a.actor1 is not None and a.actor1["type"] in ("State forces", "External/Other forces")
        d.sub_event_type = "Government regains territory" if state else "Non-state actor overtakes territory"
    if d.event_type == "Battles" and d.sub_event_type == "Armed clash" and a.actor2 is None \
            and a.civilians_named and not c.strong:
        # «قتل مسلحون 3 مدنيين برصاص ...»: shooting at civilians is not a battle.
        d.sub_event_type, d.event_type = "Attack", "Violence against civilians"
        a.actor2 = actor_dict({"name": "Civilians ({country})", "type": "Civilians"}, None, d.country)


def _protest_response(ctx: DocContext, c: Candidate, d: _Draft) -> None:
    """A protest met by force: intervention, or excessive force with deaths or live fire;
    the force is then actor2."""
    if ctx.in_sent("protest_excessive", c.sent) or count_casualties(ctx, "fatality_words", c):
        d.sub_event_type = "Excessive force against protesters"
    elif ctx.in_sent("protest_intervention", c.sent):
        d.sub_event_type = "Protest with intervention"
    if d.sub_event_type != "Peaceful protest" and d.actors.actor2 is None:
        for _, m in ctx.in_sent("actors", c.sent):
            e = resolve_entry(m.entries, d.date or ctx.pub_date, d.country)
            if e and e["type"] not in ("Protesters", "Rioters", "Civilians"):
                d.actors.actor2 = actor_dict(e, _surface(ctx, m.start, m.end), d.country)
                break


def _rejection(ctx: DocContext, c: Candidate, d: _Draft) -> Decision | None:
    a = d.actors
    if c.ttype["family"] in ("arrest", "property") and ctx.in_sent("crime_words", c.sent):
        return Decision("other_sense", "crime")  # «اعتقال عصابة لسرقة السيارات»: not political disorder
    if not c.strong and not count_casualties(ctx, "fatality_words", c) and \
            not any(x is not None and x["type"] not in ("Civilians", "Protesters")
                    for x in (a.actor1, a.actor2)):
        # «شن هجوما على الكتل السياسية»: a generic word needs an armed actor
        return Decision("unanchored", "generic word without armed actor or casualties")
    return None


def _confidence(ctx: DocContext, c: Candidate, d: _Draft) -> float:
    """The rule-based score (a learned scorer may replace it): a precise trigger, named
    actors, a place of the sentence and a date add to it; a precise word with nothing that
    ties it to a conflict, or an old date, take from it."""
    a = d.actors
    conf = 0.4 + (0.15 if c.strong else 0) + (0.1 if a.actor1 else 0) + (0.05 if a.actor2 else 0) \
        + (0.15 if d.loc is not None and not d.inherited else 0.05 if d.loc is not None else 0) \
        + (0.1 if ctx.pub_date else 0)
    unanchored = a.actor1 is None and a.actor2 is None and \
        (d.loc is None or (d.inherited and len(ctx.doc.sentences) < 3)) and \
        not count_casualties(ctx, "fatality_words", c)
    if unanchored:
        conf -= 0.25
    if d.old:
        conf -= 0.1
        if d.date is not None and ctx.pub_date is not None and (ctx.pub_date - d.date).days > 366:
            conf -= 0.1         # more than a year back: often history rather than news
    return round(min(conf, 0.95) * (0.85 if d.inherited else 1.0), 2)


def _event_dict(ctx: DocContext, c: Candidate, d: _Draft) -> dict:
    a = d.actors
    fam = c.ttype["family"]
    s_start, s_end = ctx.doc.sentences[c.sent]
    modality, attributed = _modality(ctx, c)
    return {
        "event_type": d.event_type,
        "sub_event_type": d.sub_event_type,
        "disorder_type": triggers()["disorder"].get(d.event_type),
        "actor1": a.actor1, "assoc_actor_1": a.assoc1,
        "actor2": a.actor2, "assoc_actor_2": a.assoc2,
        "location": location_dict(d.loc, _surface(ctx, d.loc.start, d.loc.end)) if d.loc else None,
        "date": d.date.isoformat() if d.date else None,
        "time_precision": d.tprec if d.date else None,
        "fatalities": count_casualties(ctx, "fatality_words", c) or (deaths_after(ctx, c) if c.deadly else 0),
        "injured": count_casualties(ctx, "injured_words", c),
        "captured": count_casualties(ctx, "captured_words", c) if fam in _CAPTURING else None,
        "defected": count_casualties(ctx, "defected_words", c) if fam == "group" else None,
        "modality": modality,
        "attributed_source": attributed,
        "evidence": {"text": ctx.doc.text[s_start:s_end], "start": s_start, "end": s_end},
        "trigger": _surface(ctx, c.start, c.end),
        "factuality": c.decision.as_dict(),
        "confidence": _confidence(ctx, c, d),
        "extractor_version": EXTRACTOR_VERSION,
    }


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


