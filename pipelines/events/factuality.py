"""Does a trigger report a deed that happened? One decision per candidate, with its cue.

The words live in ``data/factuality.yaml`` (decision cues, topic nouns, asserting
predicates) and ``data/senses.yaml`` (non-violent senses, units, idioms). Cue words are
matched as whole tokens after clitic stripping (``prefix_forms``), so a cue is never found
inside another word; asserting predicates may also carry one object pronoun.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache
from typing import TYPE_CHECKING

from pipelines.arabic import fold_text
from pipelines.events.lexicon import Match, PhraseIndex, _yaml, payloads, phrase_words
from pipelines.events.morph import clitic_forms, prefix_forms, token_forms, verb_forms

if TYPE_CHECKING:                   # imported for type hints only: document imports us
    from pipelines.events.candidate import Candidate
    from pipelines.events.document import DocContext

OCCURRED = "occurred"
# Decision categories of factuality.yaml, in the order they are checked (after senses,
# question and negation). ``accident`` and ``motive`` report as other_sense / reaction.
_ORDER = ("foiled", "planned", "threatened", "called-for", "hypothetical", "motive", "commemoration",
          "release", "legal", "reaction", "reference", "opinion", "generic", "statistic", "sport", "accident")
_REPORTED_AS = {"accident": "other_sense", "motive": "reaction", "commemoration": "reaction",
                "release": "reference", "opinion": "generic", "sport": "other_sense"}
# Sentence-wide cues that protests do not yield to: a protest is often a reaction
# («ندد المتظاهرون بـ...») or about a law or a trial.
_NOT_FOR_PROTEST = {"legal", "reaction", "generic", "statistic", "commemoration", "opinion"}
# Legal and reaction words after an asserted deed qualify something else («هجوم وقع في قاعة
# محكمة», «هجوم استهدف مظاهرة تندد بالغارات»); statistics and sport words do not.
_BEFORE_ONLY = {"legal", "reaction", "release"}
# An arrest is a legal act: charges do not make it an aftermath.
_NOT_FOR_FAMILY = {"protest": _NOT_FOR_PROTEST, "arrest": {"legal"}, "agreement": {"legal", "reaction"}}


@dataclass(frozen=True)
class Decision:
    decision: str
    cue: str | None = None

    @property
    def occurred(self) -> bool:
        return self.decision == OCCURRED

    def as_dict(self) -> dict:
        return {"decision": self.decision, "cue": self.cue}


@lru_cache(maxsize=1)
def factuality_data() -> dict:
    return _yaml("factuality.yaml")


@lru_cache(maxsize=1)
def senses_data() -> list[dict]:
    return _yaml("senses.yaml")["senses"]


def _index(words, forms=prefix_forms, payload=None) -> PhraseIndex:
    idx = PhraseIndex(forms)
    for w in words:
        idx.add(str(w), payload if payload is not None else str(w))
    return idx


@lru_cache(maxsize=1)
def fact_indexes() -> dict[str, PhraseIndex]:
    """Every index this module needs, scanned with the document's other lexicons."""
    data = factuality_data()
    out = {name: _index(data[name]["words"]) for name in ("question", "negated") + _ORDER}
    out["topic_nouns"] = _index(data["topic_nouns"]["words"])
    preds = PhraseIndex(token_forms)
    for kind, words in data["asserting_predicates"].items():
        for w in words:
            preds.add(str(w), kind)
    out["predicates"] = preds
    dated = PhraseIndex(clitic_forms, keep_article=True)
    for w in data["dated_assertion"]:
        dated.add(str(w), w)
    out["dated"] = dated
    senses = PhraseIndex(prefix_forms)
    for s in senses_data():
        senses.add(s["phrase"], s)
    out["senses"] = senses
    return out


@lru_cache(maxsize=1)
def _word_sets() -> tuple[frozenset, frozenset]:
    data = factuality_data()
    gap = frozenset(w for p in data["topic_nouns"]["gap"] for w in phrase_words(p))
    exc = frozenset(w for p in data["negation_exceptions"] for w in phrase_words(p))
    return gap, exc


def _predicate_ok(ctx: DocContext, m: Match) -> bool:
    """A listed verb is a predicate only as a verb form; listed nouns («مقتل») as written."""
    words = phrase_words(m.phrase)
    tok = ctx.toks[m.start].text
    nominal = m.payload in ("casualty_noun", "occurrence_noun")
    if not nominal and words[0] in verb_forms(tok):
        return True
    return nominal and words[0] in prefix_forms(tok) and not tok.startswith("ال")


def _in_sentence(ctx: DocContext, name: str, c: Candidate) -> list[Match]:
    return [m for _, m in ctx.in_sent("fact:" + name, c.sent)]


def _first_in_scope(ctx: DocContext, name: str, c: Candidate) -> Match | None:
    """The first cue of a category within its scope around the candidate's trigger."""
    spec = factuality_data()[name]
    scope = spec.get("scope", "sentence")
    toks = ctx.toks
    for m in _in_sentence(ctx, name, c):
        if c.start <= m.start < c.end or m.start in ctx.name_tokens:
            continue            # the trigger is not its own cue; «لحقوق الإنسان» in a name is no cue
        if _inflicts(ctx, m):
            continue            # «توقع خمسة عشر قتيلا»: the verb of infliction, not of expectation
        same = toks[m.start].clause == c.clause
        if scope in ("sentence", "sentence_all"):
            return m
        if scope == "clause" and same:
            return m
        if scope == "before" and same and m.end <= c.start and c.start - m.end < spec.get("window", 3):
            return m
        if scope == "after" and same and m.end <= c.start:
            return m
    return None


@lru_cache(maxsize=1)
def _homographs() -> frozenset[str]:
    return frozenset(fold_text(w) for w in factuality_data().get("inflicting_homographs") or [])


def _inflicts(ctx: DocContext, m: Match) -> bool:
    """A cue that is also a verb of infliction, followed right away by a toll («توقع خمسة
    عشر قتيلا»; not «توقع المصدر ارتفاع الحصيلة»)."""
    if m.end - m.start != 1 or fold_text(ctx.toks[m.start].text) not in _homographs():
        return False
    toll = ctx.starts["numbers"] | ctx.starts["fatality_words"] | ctx.starts["injured_words"]
    j = m.end
    if j < len(ctx.toks) and prefix_forms(ctx.toks[j].text) & _word_set("quantity_gap"):
        j += 1                  # «توقع نحو عشرين قتيلا»
    return j in toll and ctx.toks[j].sent == ctx.toks[m.start].sent


def _cue(ctx: DocContext, m: Match) -> str:
    return ctx.doc.text[ctx.toks[m.start].start:ctx.toks[m.end - 1].end]


def sense_of(ctx: DocContext, c: Candidate) -> Decision | None:
    """«رئيس التحرير», «قوات مكافحة الشغب», «خطف الأضواء»: a trigger inside a collocation."""
    for m in _in_sentence(ctx, "senses", c):
        if m.start < c.end and c.start < m.end:
            kind = m.payload["sense"] if isinstance(m.payload, dict) else "other_sense"
            return Decision("figurative" if kind == "figurative" else "other_sense", _cue(ctx, m))
    # «خطفت الممثلة الأضواء», «حرر الشرطي محضرا»: the telling word comes a few words later
    toks = ctx.toks
    for col in _collocates().get(_head(ctx, c), ()):
        for j in range(c.end, min(c.end + col["window"], len(toks))):
            if toks[j].sent != c.sent:
                break
            if token_forms(toks[j].text) & col["words"]:
                kind = col["sense"]
                return Decision("figurative" if kind == "figurative" else "other_sense",
                                ctx.doc.text[toks[c.start].start:toks[j].end])
    return None


def _head(ctx: DocContext, c: Candidate) -> str:
    forms = prefix_forms(ctx.toks[c.start].text)
    heads = _collocates()
    return next((f for f in forms if f in heads), "")


@lru_cache(maxsize=1)
def _collocates() -> dict[str, list[dict]]:
    """senses.yaml ``collocates``: trigger forms -> the words that give them another sense."""
    out: dict[str, list[dict]] = {}
    for col in _yaml("senses.yaml").get("collocates", []):
        entry = {"words": frozenset(w for p in col["words"] for w in phrase_words(p)),
                 "window": int(col.get("window", 3)), "sense": col["sense"]}
        for t in col["triggers"]:
            out.setdefault(phrase_words(t)[0], []).append(entry)
    return out


def _is_question(ctx: DocContext, c: Candidate) -> Match | bool:
    s, e = ctx.doc.sentences[c.sent]
    if ctx.doc.text[e - 1:e] in ("?", "؟"):
        return True
    return _first_in_scope(ctx, "question", c) or False


def _negation(ctx: DocContext, c: Candidate) -> Match | None:
    _, exceptions = _word_sets()
    m = _first_in_scope(ctx, "negated", c)
    if m is None:
        return None
    nxt = ctx.toks[m.end].text if m.end < len(ctx.toks) else ""
    if prefix_forms(nxt) & exceptions:
        return None             # «قصف دون هوادة», «طائرة بدون طيار»
    return m


def topic_governor(ctx: DocContext, c: Candidate) -> Match | None:
    """«قضية اغتيال», «التحقيق في التفجير», «محاكمة منفذي الهجوم»: a noun naming the deed
    as a known topic stands right before the trigger (function words between skipped)."""
    spec = factuality_data()["topic_nouns"]
    gap, _ = _word_sets()
    ends = {m.end: m for m in _in_sentence(ctx, "topic_nouns", c)}
    toks = ctx.toks
    j = c.start
    coordinated = toks[c.start].text[:1] == "و"     # «شهادات عن الحصار والقصف»
    for _ in range(spec.get("window", 3) + 1):
        if j in ends and toks[j - 1].clause == c.clause:
            return ends[j]
        if j - 1 < 0 or toks[j - 1].clause != c.clause:
            return None
        if not prefix_forms(toks[j - 1].text) & gap:
            if not coordinated:
                return None
            coordinated = False
        j -= 1
    return None


def _people_trigger(ctx: DocContext, c: Candidate) -> bool:
    return bool(token_forms(ctx.toks[c.start].text) & _people())


@lru_cache(maxsize=1)
def _people() -> frozenset[str]:
    return frozenset(w for p in factuality_data()["protest_people"] for w in phrase_words(p))


def protesters_act(ctx: DocContext, c: Candidate) -> bool:
    """«المتظاهرين» is a protest only when a protest verb stands in its clause; else the
    protesters are only an argument («قال أحد المتظاهرين»)."""
    return any(m.payload in ("protest", "protest_acts", "violent_verbs")
               and ctx.toks[m.start].clause == c.clause and _predicate_ok(ctx, m)
               and not after_relative(ctx, m.start)      # «المتظاهرين الذين خرجوا»: told as known
               for _, m in ctx.in_sent("fact:predicates", c.sent))


def crowd_goes_out(ctx: DocContext, c: Candidate) -> bool:
    """«خرج المتظاهرون», «نزل المحتجون إلى الشوارع»: a protest verb of onset in the clause."""
    return any(m.payload == "protest" and ctx.toks[m.start].clause == c.clause and _predicate_ok(ctx, m)
               and not after_relative(ctx, m.start) for _, m in ctx.in_sent("fact:predicates", c.sent))


def _asserted_here(ctx: DocContext, c: Candidate) -> bool:
    """An occurrence or protest verb in the trigger's own clause («تجددت المظاهرات»)."""
    return any(m.payload in ("protest", "occurrence") and ctx.toks[m.start].clause == c.clause
               and not c.start <= m.start < c.end and _predicate_ok(ctx, m)
               for _, m in ctx.in_sent("fact:predicates", c.sent))


def quantified(ctx: DocContext, c: Candidate) -> bool:
    """«آلاف المتظاهرين», «مئات من المحتجين»: a number introduces the crowd, it is not a re-mention."""
    toks = ctx.toks
    for back in (1, 2, 3):
        j = c.start - back
        if j < 0 or toks[j].clause != c.clause:
            return False
        if j in ctx.starts["numbers"] or toks[j].text.isdigit() or j in ctx.number_ends:
            return True
        if not prefix_forms(toks[j].text) & _word_set("quantity_gap"):
            return False
    return False


def asserted(ctx: DocContext, c: Candidate, verbal_trigger: bool) -> bool:
    """A predicate asserts the deed: the trigger is a verb, or an occurrence, casualty or
    protest verb stands in its clause, in one of the two clauses before it in the
    sentence, or opens the clause right after it; a time word dating the clause counts."""
    if verbal_trigger:
        return True
    toks = ctx.toks
    if c.start - ctx.sent_first(c.sent) <= 1 and _title_like(ctx, c.sent):
        return True             # a headline: «اشتباكات بين ...», «مقتل 5 في ...»
    for _, m in ctx.in_sent("fact:predicates", c.sent):
        if c.start <= m.start < c.end or not _predicate_ok(ctx, m) or after_relative(ctx, m.start):
            continue            # «التفجير الذي وقع»: a relative clause re-mentions, it does not report
        k = toks[m.start].clause
        if k == c.clause or (c.clause - 3 <= k < c.clause and
                             all(_continues(ctx, j) for j in range(k + 1, c.clause + 1))):
            return True
        if k == c.clause + 1 and m.start - _clause_start(ctx, k) <= 1:
            return True
    # «تفجير انتحاري في بغداد أمس»: a time word and a place date and place the deed
    return any(toks[m.start].clause == c.clause for _, m in ctx.in_sent("fact:dated", c.sent)) and \
        any(toks[p.start].clause == c.clause for _, p in ctx.in_sent("places", c.sent))


def _title_like(ctx: DocContext, sent: int) -> bool:
    """A headline: the first line of a text of several lines, or a short line with no final
    full stop («اشتباكات بين قوات النظام والمعارضة قرب كفرنبودة»)."""
    s, e = ctx.doc.sentences[sent]
    text = ctx.doc.text
    line_end = text.find("\n", s)
    whole_line = (line_end == -1 and e == len(text.rstrip())) or line_end == e
    if sent == 0 and whole_line and len(set(ctx.doc.paragraphs)) > 1:
        return True
    short = len(ctx.sent_tokens.get(sent, ())) <= 15
    return whole_line and text[e - 1:e] not in (".", "!", "؟", "?") and short


def _governing_clauses(ctx: DocContext, c: Candidate) -> set[int]:
    """The trigger's clause, and the clauses before it that a relative clause continues."""
    rel = _relatives()
    out = {c.clause}
    k = c.clause
    while k in ctx.clause_starts and ctx.toks[ctx.clause_starts[k]].sent == c.sent and \
            prefix_forms(ctx.toks[ctx.clause_starts[k]].text) & rel:
        k -= 1
        out.add(k)
    return out


@lru_cache(maxsize=1)
def _relatives() -> frozenset[str]:
    return frozenset(w for p in factuality_data()["relative_pronouns"] for w in phrase_words(p, True))


def _continues(ctx: DocContext, clause: int) -> bool:
    """A clause that opens with a preposition, a time word or a relative pronoun continues
    the one before it («تعرضت الثكنة، أمس، لهجوم»); one that opens with «و» + verb does not."""
    i = ctx.clause_starts.get(clause)
    if i is None or i == ctx.sent_first(ctx.toks[i].sent):
        return False
    t = ctx.toks[i].text
    return t[:1] in ("ب", "ل", "ك") or bool(prefix_forms(t) & _openers())


@lru_cache(maxsize=1)
def _openers() -> frozenset[str]:
    return frozenset(w for p in factuality_data()["continuing_openers"] for w in phrase_words(p, True))


def _clause_start(ctx: DocContext, clause: int) -> int:
    starts = ctx.clause_starts
    return starts.get(clause, 0)


def after_relative(ctx: DocContext, i: int) -> bool:
    """The token opens a relative clause's predicate («الذي اغتيل», «التي خطفها قراصنة»)."""
    return i > 0 and bool(prefix_forms(ctx.toks[i - 1].text) & _relatives()) and \
        ctx.toks[i - 1].sent == ctx.toks[i].sent


def is_verbal(ctx: DocContext, c: Candidate) -> bool:
    """The trigger itself is one of the asserting predicates («قصفت», «اغتالوه»)."""
    return any(c.start <= m.start < c.end and phrase_words(m.phrase)[0] in verb_forms(ctx.toks[m.start].text)
               for _, m in ctx.in_sent("fact:predicates", c.sent))


def purpose(ctx: DocContext, c: Candidate) -> bool:
    """«لقتل», «لتفجير»: a verbal noun after a glued «ل» names an aim, unless the deed was
    suffered («تعرض للتعذيب»)."""
    tok = ctx.toks[c.start].text
    if not tok.startswith("ل") or tok.startswith("لال"):
        return False
    if is_verbal(ctx, c):
        return False
    toks = ctx.toks
    for j in range(c.start - 1, max(-1, c.start - 7), -1):
        if toks[j].clause != c.clause:
            break
        if prefix_forms(toks[j].text) & _suffered() or verb_forms(toks[j].text) & _suffered():
            return False        # «تعرضت الثكنة في الشمال لاعتداء»
    return True


@cache
def _word_set(name: str, keep_article: bool = False) -> frozenset[str]:
    return frozenset(w for p in factuality_data()[name] for w in phrase_words(p, keep_article))


def _suffered() -> frozenset[str]:
    return _word_set("suffered")


def _suffered_ill_treatment(ctx: DocContext, c: Candidate) -> str | None:
    """«قال إنه تعرض للتعذيب في السجن»: ill-treatment told as what someone suffered, with
    no day of its own in its clause, is an account of custody, not a report of a deed
    (a deed of torture told with its doer, «عذب مسلحون معتقلين», is not this)."""
    spec = factuality_data().get("suffered_ill_treatment") or {}
    nouns = _word_set_of(tuple(spec.get("triggers") or ()))
    toks = ctx.toks
    if not nouns or not prefix_forms(toks[c.start].text) & nouns:
        return None
    before = [j for j in range(max(0, c.start - 2), c.start) if toks[j].sent == c.sent]
    under = _word_set_of(tuple(spec.get("under") or ()))
    verb = next((j for j in reversed(before)
                 if prefix_forms(toks[j].text) & (_suffered() | under) or verb_forms(toks[j].text) & _suffered()),
                None)
    if verb is None:
        return None
    if any(toks[m.start].clause == c.clause for _, m in ctx.in_sent("fact:dated", c.sent)):
        return None             # «تعرض للتعذيب أمس»: a day of its own reports it
    return _cue(ctx, Match(verb, c.end, None, "")) + ": ill-treatment suffered, no day of its own"


@cache
def _word_set_of(phrases: tuple[str, ...]) -> frozenset[str]:
    return frozenset(w for p in phrases for w in phrase_words(p))


def decide(ctx: DocContext, c: Candidate) -> Decision:
    """The factuality decision for one candidate, with the words that decided it."""
    family = c.ttype["family"]
    protest = family == "protest"
    sense = sense_of(ctx, c)
    if sense is not None:
        return sense
    q = _is_question(ctx, c)
    if q:
        return Decision("question", _cue(ctx, q) if isinstance(q, Match) else "؟")
    neg = _negation(ctx, c)
    if neg is not None:
        return Decision("negated", _cue(ctx, neg))
    told = _suffered_ill_treatment(ctx, c)
    if told is not None:
        return Decision("reference", told)
    verbal = is_verbal(ctx, c)
    if verbal and after_relative(ctx, c.start) and not protest:
        verbal = False          # the deed told in a relative clause describes a known person or thing
    has_pred = asserted(ctx, c, verbal) or family not in factuality_data()["predicate_families"]
    if family == "civilian" and _hostage_trigger(ctx, c) and not _hostages_taken(ctx, c):
        return Decision("reference", "hostages only as an argument")
    if protest and _people_trigger(ctx, c) and (not protesters_act(ctx, c) or ctx.speaker_before(c.start)):
        return Decision("reference", "protesters only as an argument")
    if protest and definite(ctx, c) and not quantified(ctx, c) and not _own_protest_noun(ctx, c) and \
            not crowd_goes_out(ctx, c) and (_people_trigger(ctx, c) or not _asserted_here(ctx, c)):
        # «ردد المتظاهرون هتافات», «قبل بدء المظاهرة»: the article's known protest, told on
        # (merged into it when the text reported it; a recall when it did not)
        return Decision("reference", "definite: a protest told before")
    if protest and _known_crowd_before(ctx, c) and not crowd_goes_out(ctx, c):
        return Decision("reference", "what the known protesters did")
    skip = _NOT_FOR_FAMILY.get(family, set())
    own = _governing_clauses(ctx, c)
    # a funeral or the victims of a deed told with its own past day («شيعوا ضحايا التفجير
    # الذي ضرب المدينة أمس»): a first report of that deed
    gov = topic_governor(ctx, c) if not verbal else None
    recalled = not protest and told_with_past_date(ctx, c) and (
        _first_in_scope(ctx, "commemoration", c) is not None
        or (gov is not None and bool(prefix_forms(ctx.toks[gov.start].text) & _word_set("victim_nouns"))))
    if recalled:
        has_pred = True         # the relative clause asserts the deed
    for name in _ORDER:
        fams = factuality_data()[name].get("families")
        if name in skip or (fams and family not in fams):
            continue
        if recalled and name == "commemoration":
            continue            # the funeral today, the deed told with its own day
        m = _first_in_scope(ctx, name, c)
        if m is None:
            continue
        scope = factuality_data()[name].get("scope", "sentence")
        if scope == "sentence" and has_pred and name != "accident" and \
                (ctx.toks[m.start].clause not in own or (m.start > c.end and name in _BEFORE_ONLY)):
            continue            # the cue belongs to another clause or comes after an asserted deed
        return Decision(_REPORTED_AS.get(name, name), _cue(ctx, m))
    if not protest and purpose(ctx, c):
        return Decision("planned", _cue(ctx, Match(c.start, c.start + 1, None, "")))
    if gov is not None and not recalled:
        return Decision("reference", _cue(ctx, gov))
    if not has_pred:
        return Decision("reference", "no asserting predicate")
    return Decision(OCCURRED, None)


def told_with_past_date(ctx: DocContext, c: Candidate) -> bool:
    """«دفن الأهالي ضحايا الغارة التي شنتها طائرات النظام أمس», «شيعوا ضحايا التفجير الذي
    ضرب المدينة أمس»: right after the trigger, a relative clause tells the deed with an
    asserting predicate and then the past day it happened on. A first report of a dated
    deed reports it, whatever governs the sentence (a funeral, «ضحايا»)."""
    toks = ctx.toks
    rel = next((j for j in range(c.end, min(c.end + 2, len(toks)))
                if toks[j].sent == c.sent and prefix_forms(toks[j].text) & _relatives()), None)
    if rel is None:
        return False
    window = [j for j in range(rel + 1, min(rel + 12, len(toks))) if toks[j].sent == c.sent]
    if not window:
        return False
    past = [m.start for _, m in ctx.in_sent("fact:dated", c.sent)
            if window[0] <= m.start <= window[-1] and "امس" in m.phrase]
    if not past:
        return False
    preds = {m.start for _, m in ctx.in_sent("fact:predicates", c.sent) if _predicate_ok(ctx, m)}
    return any(j in preds for j in window if j < past[0])


def pluperfect(ctx: DocContext, c: Candidate) -> str | None:
    """«وكانت القوات قد سيطرت»: the auxiliary and the particle before the trigger, same clause."""
    spec = factuality_data()["pluperfect"]
    aux = frozenset(w for p in spec["auxiliaries"] for w in phrase_words(p, True))
    part = frozenset(w for p in spec["particle"] for w in phrase_words(p, True))
    toks = ctx.toks
    lo = max(ctx.clause_starts.get(c.clause, 0), c.start - spec["window"] - 1)
    for i in range(lo, c.start):
        if prefix_forms(toks[i].text) & aux:
            for j in range(i + 1, min(c.start + 1, i + spec["window"] + 1)):
                if prefix_forms(toks[j].text) & part:
                    return ctx.doc.text[toks[i].start:toks[j].end]
    return None


def caused_death(ctx: DocContext, c: Candidate, subordinator: int) -> bool:
    """«لقي حتفه إثر انفجار», «قتل شخص بعد تعرضه للضرب»: a death told before the time word
    was caused by the deed after it, which therefore happened."""
    toks = ctx.toks
    return any(m.payload == "casualty" and toks[m.start].clause == c.clause and m.start < subordinator
               and phrase_words(m.phrase)[0] in verb_forms(toks[m.start].text)
               for _, m in ctx.in_sent("fact:predicates", c.sent))


def definite(ctx: DocContext, c: Candidate) -> bool:
    """The trigger carries the article («المتظاهرون», «للمظاهرة», «والاحتجاجات»)."""
    t = ctx.toks[c.start].text
    if t[:1] in ("و", "ف") and len(t) > 4:
        t = t[1:]
    return t.startswith("ال") or t.startswith("لل") or t[:3] in ("بال", "كال")


def _own_protest_noun(ctx: DocContext, c: Candidate) -> bool:
    """Another, indefinite protest trigger in the sentence introduces the protest itself."""
    return any(m.start != c.start and m.start < c.start and
               any(p["type"]["family"] == "protest" for p in payloads(m)) and
               not ctx.toks[m.start].text.lstrip("وف").startswith("ال")
               for _, m in ctx.in_sent("triggers", c.sent))


def _known_crowd_before(ctx: DocContext, c: Candidate) -> bool:
    """«وردد المتظاهرون هتافات»: the chant is an act of protesters already told of."""
    for _, m in ctx.in_sent("triggers", c.sent):
        if m.start >= c.start or ctx.toks[m.start].clause != c.clause:
            continue
        other = type(c)(c.ttype, m.start, m.end, c.sent, c.clause, True)
        if _people_trigger(ctx, other) and definite(ctx, other) and not quantified(ctx, other):
            return True
    return False


def _hostage_trigger(ctx: DocContext, c: Candidate) -> bool:
    return bool(prefix_forms(ctx.toks[c.start].text) & _word_set("hostage_people", True))


def _hostages_taken(ctx: DocContext, c: Candidate) -> bool:
    """«احتجز مسلحون عشرة رهائن»: a verb of taking or holding them in their clause."""
    takers = _word_set("hostage_takers", True)
    toks = ctx.toks
    lo = ctx.clause_starts.get(c.clause, 0)
    for j in range(lo, len(toks)):
        if toks[j].clause != c.clause:
            break
        if j != c.start and (verb_forms(toks[j].text) | prefix_forms(toks[j].text)) & takers:
            return True
    return False
