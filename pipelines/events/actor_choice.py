"""Who did it and to whom: actor1 and actor2 of one candidate event, in small named steps.

The actor mentions of the candidate's sentence, resolved for the event's date and country,
are sorted into a pool (primary actors, armed ones, civilians); each family of events then
picks its sides from the pool («بين X و Y» for battles, the protesters for protests, the
subject right after the trigger verb otherwise), and the rest of the pool gives actor2.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pipelines.events.actors import ActorMention, actor_dict, national_forces, resolve_entry

if TYPE_CHECKING:
    from pipelines.events.candidate import Candidate
    from pipelines.events.document import DocContext

Pick = tuple[int, ActorMention]          # (index of the mention in the document, the mention)
_UNARMED = ("Civilians", "Protesters", "Rioters")


@dataclass
class ActorPool:
    """The actor mentions of one sentence as one candidate sees them."""
    mentions: list[Pick]
    resolved: dict[int, dict]                       # mention index -> lexicon entry
    primary: list[Pick] = field(default_factory=list)
    armed: list[Pick] = field(default_factory=list)
    civilians: list[Pick] = field(default_factory=list)

    def type_of(self, p: Pick) -> str:
        return self.resolved[p[0]]["type"]


@dataclass
class ChosenActors:
    actor1: dict | None
    assoc1: list[str]
    actor2: dict | None
    assoc2: list[str]
    civilians_named: bool


def choose_actors(ctx: DocContext, c: Candidate, country: str | None, when: dt.date | None) -> ChosenActors:
    pool = _pool(ctx, c, country, when)
    fam = c.ttype["family"]
    a1, a2 = _family_sides(ctx, c, pool)
    if a1 is None and fam != "protest":
        a1 = _subject(ctx, c, pool)
    if a2 is None and fam != "protest":
        a2 = _other_side(c, pool, a1)
    if a1 is not None and a2 is not None and pool.resolved[a1[0]]["name"] == pool.resolved[a2[0]]["name"]:
        a2 = None
    (d1, s1), (d2, s2) = _as_dict(ctx, pool, a1, country), _as_dict(ctx, pool, a2, country)
    d1, d2 = _defaults(c, d1, d2, country)
    return ChosenActors(d1, s1, d2, s2, bool(pool.civilians))


def _pool(ctx: DocContext, c: Candidate, country: str | None, when: dt.date | None) -> ActorPool:
    """Resolve the sentence's mentions; sources and members of a named group are not sides."""
    ms = ctx.in_sent("actors", c.sent)
    resolved = {}
    for i, a in ms:
        e = resolve_entry(a.entries, when, country)
        if e is not None:
            resolved[i] = national_forces(e, when, country)
    pool = ActorPool(ms, resolved)
    # who holds the place fights for it in a battle or a capture; otherwise it only says where
    left_out = ("source",) if c.ttype["family"] in ("battle", "territory") else ("source", "holder")
    pool.primary = [(i, a) for i, a in ms if i in resolved and a.role not in left_out
                    and (a.role not in ("member", "support") or a.assoc_of not in resolved)]
    pool.civilians = [p for p in pool.primary if pool.type_of(p) == "Civilians"]
    pool.armed = [p for p in pool.primary if pool.type_of(p) not in _UNARMED]
    return pool


def _dist(c: Candidate):
    return lambda p: abs(p[1].start - c.start)


def _family_sides(ctx: DocContext, c: Candidate, pool: ActorPool) -> tuple[Pick | None, Pick | None]:
    fam = c.ttype["family"]
    if fam == "battle":
        return _between_sides(ctx, c, pool)
    if fam == "group":
        before = [p for p in pool.armed if p[1].start < c.start]
        if before:
            return max(before, key=lambda p: p[1].start), None
        return (pool.armed[0] if pool.armed else None), None
    if fam == "protest":
        return _protest_sides(c, pool)
    if fam == "arrest":
        _mark_arrested(c, pool)
    return None, None


def _between_sides(ctx: DocContext, c: Candidate, pool: ActorPool) -> tuple[Pick | None, Pick | None]:
    """«اشتباكات بين X و Y» or «بين X و Y اشتباكات»."""
    toks = ctx.toks
    near = [j for j in ctx.starts["between"] if toks[j].sent == c.sent and -8 <= j - c.start <= 4]
    if near:
        j = min(near, key=lambda j: abs(j - c.start))
        after = [p for p in pool.armed if p[1].start > j]
        if len(after) >= 2:
            return after[0], after[1]
    return None, None


def _protest_sides(c: Candidate, pool: ActorPool) -> tuple[Pick | None, Pick | None]:
    """The protesters; a protest met with force also has the force as actor2."""
    prot = [p for p in pool.primary if pool.type_of(p) in ("Protesters", "Rioters")]
    a1 = prot[0] if prot else None
    a2 = None
    if c.ttype["sub_event_type"] != "Peaceful protest" and pool.armed:
        a2 = min(pool.armed, key=_dist(c))
    return a1, a2


def _mark_arrested(c: Candidate, pool: ActorPool) -> None:
    """«اعتقلت قسد قياديا في داعش»: who comes after the arrest verb was arrested."""
    for p in pool.armed:
        if p[1].start > c.end and p[1].role is None:
            p[1].role = "target"


def _subject(ctx: DocContext, c: Candidate, pool: ActorPool) -> Pick | None:
    """«تصدت هيئة تحرير الشام ...», «قصفت قوات النظام ...»: the name right after the trigger
    verb (or marked as agent), in the trigger's clause, nearest first."""
    free = [p for p in pool.armed if p[1].role != "target"]
    if not free:
        return None
    toks = ctx.toks
    verb_ends = {m.end for _, m in ctx.in_sent("triggers", c.sent)
                 if toks[m.start].clause == c.clause} | {c.end}
    dist = _dist(c)
    return min(free, key=lambda p: (toks[p[1].start].clause != c.clause,
                                    p[1].start not in verb_ends and not c.start < p[1].start < c.end
                                    and p[1].role != "agent", dist(p)))


def _other_side(c: Candidate, pool: ActorPool, a1: Pick | None) -> Pick | None:
    fam = c.ttype["family"]
    dist = _dist(c)
    others = [p for p in pool.armed if a1 is None or p[0] != a1[0]
              and not same_side(pool.resolved[a1[0]], pool.resolved[p[0]])]
    targets = [p for p in others if p[1].role == "target"]
    if fam in ("civilian", "arrest") and pool.civilians:
        return min(pool.civilians, key=dist)
    if targets:
        return min(targets, key=dist)
    if fam in ("battle", "territory", "disrupted") and others:
        return min(others, key=dist)
    if pool.civilians and fam == "remote":
        return min(pool.civilians, key=dist)
    return None


def same_side(a: dict, b: dict) -> bool:
    """A vague mention of the same kind of actor is an ally, not the other side."""
    return a["type"] == b["type"] and (a.get("generic") or b.get("generic")) and a["name"] != b["name"] \
        or a["name"] == b["name"]


def _as_dict(ctx: DocContext, pool: ActorPool, pick: Pick | None,
             country: str | None) -> tuple[dict | None, list]:
    """The actor as an event field, with the names of its supporters and members."""
    if pick is None:
        return None, []
    i, a = pick
    surface = ctx.doc.text[ctx.toks[a.start].start:ctx.toks[a.end - 1].end]
    d = actor_dict(pool.resolved[i], surface, country)
    assoc: list[str] = []
    for k, b in pool.mentions:
        if b.assoc_of == i and k in pool.resolved:
            name = actor_dict(pool.resolved[k], "", country)["name"]
            if name != d["name"] and name not in assoc:
                assoc.append(name)
    return d, assoc


def _defaults(c: Candidate, d1: dict | None, d2: dict | None,
              country: str | None) -> tuple[dict | None, dict | None]:
    """Violence against civilians has civilians as actor2; a protest has protesters."""
    fam = c.ttype["family"]
    if fam == "civilian" and d2 is None and c.ttype["event_type"] == "Violence against civilians":
        d2 = actor_dict({"name": "Civilians ({country})", "type": "Civilians"}, None, country)
    if fam == "protest" and d1 is None:
        d1 = actor_dict({"name": "Protesters ({country})", "type": "Protesters"}, None, country)
    return d1, d2
