"""Everything found once in a document: tokens, lexicon matches, places, actors with
their roles, dates. Shared by all candidate events of the text."""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from pipelines.arabic import fold_text
from pipelines.events.actors import ActorMention, find_actors
from pipelines.events.dating import date_index, find_dates, published_local
from pipelines.events.factuality import fact_indexes
from pipelines.events.lexicon import (
    Match,
    actor_index,
    air_index,
    cue_index,
    cues,
    function_words,
    place_index,
    scan,
    source_index,
    trigger_index,
)
from pipelines.events.morph import prefix_forms
from pipelines.events.places import choose_rows, find_places
from pipelines.events.text import Doc, build_doc


def _spans(index, doc: Doc) -> list[Match]:
    return index.find_all(doc.tokens)


def _starts(matches: list[Match]) -> dict[int, Match]:
    return {m.start: m for m in matches}


def covered(matches: list[Match]) -> set[int]:
    return {i for m in matches for i in range(m.start, m.end)}


def _sentence_tokens(doc: Doc) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for i, t in enumerate(doc.tokens):
        out.setdefault(t.sent, []).append(i)
    return out


class DocContext:
    """Everything found in the document once, shared by all candidates."""

    def __init__(self, text: str, published: str | None, timezone: str | None) -> None:
        self.doc = doc = build_doc(text)
        self.toks = doc.tokens
        self.ref = published_local(published, timezone)
        self.pub_date = self.ref.date() if self.ref else None
        cue_keys = ("agent_verbs", "agent_before", "target_before", "support_before", "member_before",
                    "attribution_before", "fatality_words", "injured_words", "captured_words",
                    "defected_words", "person_singular", "person_dual", "numbers", "between", "motion",
                    "temporal_subordinators", "protest_intervention", "protest_excessive",
                    "cumulative", "crime_words", "subordinate_gap", "held_by")
        extra = {"denied": ("modality", "denied"), "claimed": ("modality", "claimed")}
        fact = fact_indexes()
        indexes = [trigger_index(), actor_index(), place_index(), source_index(), date_index()] \
            + [cue_index(k) for k in cue_keys] + [cue_index(*v) for v in extra.values()] + [air_index()] \
            + list(fact.values())
        found = scan(self.toks, indexes)
        self.trigger_ms, actor_ms, place_ms, self.source_ms, date_ms = found[:5]
        names = list(cue_keys) + list(extra) + ["air_cues"] + ["fact:" + k for k in fact]
        self.cue = dict(zip(names, found[5:], strict=False))
        self.clause_starts: dict[int, int] = {}
        for i, t in enumerate(self.toks):
            self.clause_starts.setdefault(t.clause, i)
        self.actor_ms = find_actors(doc, actor_ms)
        blocked = covered(self.source_ms) | {i for a in self.actor_ms for i in range(a.start, a.end)}
        self.places = find_places(doc, blocked, place_ms)
        self.country = choose_rows(self.places, self._country_votes(timezone))
        if self.country is None:
            self.country = self._country_from_actors()
        self.place_tokens = {i for p in self.places for i in range(p.start, p.end)}
        self.name_tokens = blocked | self.place_tokens
        self.dates = find_dates(doc, self.ref, timezone, date_ms)
        self.date_tokens = {i for d in self.dates for i in range(d.start, d.end)}
        self.sent_tokens = _sentence_tokens(doc)
        self.ends = {k: {m.end: m for m in v} for k, v in self.cue.items()}
        self.starts = {k: {m.start for m in v} for k, v in self.cue.items()}
        self.number_ends = {m.end - 1 for m in self.cue["numbers"]}
        self.numbers_cache: dict[int, tuple] = {}
        self._by_sent: dict[str, dict[int, list]] = {}
        self._live_by_sent: dict[int, list] | None = None
        self.text_first_break = text.find("\n")
        self.trigger_starts = {m.start for m in self.trigger_ms}
        self.trigger_ends = {m.end for m in self.trigger_ms}
        self.live: list = []
        self._assign_roles()

    def sent_first(self, sent: int) -> int:
        """Index of the first token of a sentence."""
        toks = self.sent_tokens.get(sent)
        return toks[0] if toks else 0

    def in_sent(self, name: str, sent: int) -> list:
        """(index, item) pairs of one kind of match in one sentence: keeps the per-event
        work proportional to its sentence, not to the whole text."""
        groups = self._by_sent.get(name)
        if groups is None:
            kinds: dict[str, list[Any]] = {"places": self.places, "actors": self.actor_ms,
                                           "sources": self.source_ms, "triggers": self.trigger_ms,
                                           "dates": self.dates}
            seq = kinds.get(name, [])
            if name not in kinds:
                seq = self.cue[name]
            built: dict[int, list] = {}
            for i, m in enumerate(seq):
                built.setdefault(self.toks[m.start].sent, []).append((i, m))
            self._by_sent[name] = groups = built
        return groups.get(sent, [])

    def live_in(self, sent: int) -> list:
        """The live candidate events of a sentence."""
        if self._live_by_sent is None:
            self._live_by_sent = {}
            for c in self.live:
                self._live_by_sent.setdefault(c.sent, []).append(c)
        return self._live_by_sent.get(sent, [])

    def _country_votes(self, timezone: str | None) -> dict[str, float]:
        c = cues()
        votes: dict[str, float] = {}
        tz_country = c["timezone_country"].get(timezone or "")
        if tz_country:
            votes[tz_country] = 0.4     # the site's country: weaker than what the text names
        demonyms = _demonyms()
        for t in self.toks:
            country = demonyms.get(t.text)
            if country:
                votes[country] = votes.get(country, 0) + 0.5
        # a group that fights in one country names it («قوات حفتر»); a state's forces, which
        # also fight abroad, only weakly («الجيش اللبناني»)
        for a in self.actor_ms:
            homes = {e["home"]: 0.5 for e in a.entries if e.get("home")}
            homes.update({e["country"]: 0.25 for e in a.entries
                          if e.get("country") and e["country"] not in homes})
            if len(homes) == 1:
                home, w = next(iter(homes.items()))
                votes[home] = votes.get(home, 0) + w
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
            if self._marker_before("held_by", a.start, 1):
                a.role = "holder"      # «الأحياء الخاضعة لسيطرة النظام»: who holds the place
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
            if self._speaker(a):
                a.role = "source"      # «قال الجيش الأمريكي إن ...»: who tells the news, not who acted
            elif self._victims_before_casualty_word(a):
                a.role = "target"      # «جنديين قتلا في انفجار»: soldiers who died, not who struck
            elif self._source_phrase(a.start):
                a.role = "source"      # «وفق مصادر في الشرطة»: who tells, not who acts
            elif self._marker_before("motion", a.start, 2):
                a.role = "target"      # «هرب إليها جيش النظام»: who flees loses the ground
            elif self._genitive_agent(a) or self._marker_before("agent_verbs", a.start, 2):
                a.role = "agent"       # «بقصف مدفعي لقوات النظام», «كمين نصبه مسلحو داعش»
            elif a.start not in self.trigger_starts and \
                    any(self._marker_before(k, a.start, 4)
                        for k in ("fatality_words", "injured_words", "captured_words")):
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

    def speaker_before(self, start: int) -> bool:
        """«قال متظاهر», «وأضاف أحد المحتجين»: a reporting verb right before (a speaker)."""
        toks = self.toks
        for back in (1, 2, 3):
            j = start - back
            if j < 0 or toks[j].clause != toks[start].clause:
                return False
            if j + 1 in self.ends["attribution_before"] or j in self.starts["attribution_before"]:
                return True
        return False

    def _speaker(self, a: ActorMention) -> bool:
        """A reporting verb, the actor, then a bare «إن/أن/بأن» opening what was said; with a
        pronoun («أنه سيطر») the speaker speaks of its own deed and stays its actor."""
        if not self._marker_before("attribution_before", a.start, 2):
            return False
        for j in range(a.end, min(a.end + 4, len(self.toks))):
            t = self.toks[j]
            if t.sent != self.toks[a.start].sent:
                return False
            if t.text in function_words("complementizers"):
                # «إن طائراته قصفت», «أن مقاتليه استهدفوا»: its own forces, its own deed
                nxt = self.toks[j + 1].text if j + 1 < len(self.toks) else ""
                return not nxt.endswith(("ه", "ها", "هم", "يه"))
        return False

    def _victims_before_casualty_word(self, a: ActorMention) -> bool:
        """A vague group of soldiers, police or people right before a casualty word."""
        if not all(e.get("generic") and e["type"] in ("State forces", "Civilians") for e in a.entries):
            return False
        starts = self.starts
        return any(a.end in starts[k] for k in ("fatality_words", "injured_words"))

    def _genitive_agent(self, a: ActorMention) -> bool:
        first = self.toks[a.start].text
        return first[:1] == "ل" and any(m.end == a.start for m in self.trigger_ms) and \
            any(not _phrase_first(e).startswith("ل") for e in a.entries)

    def _source_phrase(self, start: int) -> bool:
        """«مصادر في الشرطة», «مسؤول في الجيش»: the actor is where a source sits."""
        toks = self.toks
        if start < 2 or toks[start - 1].text not in function_words("source_prepositions"):
            return False
        nouns = function_words("source_nouns")
        return any(prefix_forms(toks[j].text) & nouns for j in range(max(0, start - 3), start - 1))

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
    """The first lexicon spelling of an actor ("" for entries built on the fly)."""
    aliases = entry.get("aliases") or [""]
    return aliases[0]

