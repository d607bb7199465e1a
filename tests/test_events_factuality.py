"""Issue 15: a factuality decision for every candidate, senses as data, lexicon gaps.

Every sentence here is written for these tests (none is taken from any corpus).
"""
from __future__ import annotations

import pytest

from pipelines.events import analyse, extract_events
from pipelines.events.factuality import senses_data

PUB = "2020-06-12T12:00:00+03:00"   # a Friday
VIOLENT = {"Battles", "Explosions/Remote violence", "Violence against civilians"}



@pytest.fixture(autouse=True)
def _rules_alone(monkeypatch):
    """These are the rules' own decisions; the learned scorer after them has its own tests."""
    monkeypatch.setenv("MARSAD_EVENT_SCORER", "off")

def _decisions(text: str) -> list[str]:
    res = analyse(text, published=PUB, timezone="Asia/Damascus")
    return [e["factuality"]["decision"] for e in res.events] + \
        [m["factuality"]["decision"] for m in res.mentions]


def _types(text: str) -> set[str]:
    return {e["event_type"] for e in extract_events(text, published=PUB, timezone="Asia/Damascus")}


@pytest.mark.parametrize("text, decision", [
    # planned, threatened, called-for, hypothetical
    ("تدرس الحكومة شن ضربات جوية على مواقع المسلحين في الصحراء", "planned"),
    ("هدد قائد الفصيل بتفجير الجسر إذا لم تنسحب القوات", "threatened"),
    ("دعت النقابات إلى مظاهرة أمام البرلمان", "called-for"),
    ("في حال اندلاع اشتباكات في المدينة سيفر السكان", "hypothetical"),
    # question, negated, foiled
    ("هل كانت الغارة على السوق مقصودة؟", "question"),
    ("لم تسجل أي اشتباكات في البلدة منذ الصباح", "negated"),
    ("أحبطت الشرطة مخططا لتفجير سيارة مفخخة قرب السفارة", "foiled"),
    # legal aftermath, reaction, commemoration
    ("حكمت المحكمة بالسجن عشرين عاما على المتهم باغتيال الصحفي", "legal"),
    ("أدانت الجامعة العربية الهجوم الانتحاري على المسجد", "reaction"),
    ("أحيا الأهالي الذكرى العاشرة لمجزرة القرية", "reaction"),
    # a known event referred to
    ("تواصل اللجنة التحقيق في اغتيال رئيس البلدية", "legal"),
    ("طالبت العائلات بكشف ملابسات اغتيال النائب", "reference"),
    ("يذكر أن مسلحين هاجموا الحاجز نفسه", "reference"),
    # generic or opinion, long-period statistics, figurative senses
    ("يعرض الفيلم قصة انتحاري يفجر نفسه في حافلة", "generic"),
    ("قتل أكثر من ألف شخص في التفجيرات منذ بداية العام", "statistic"),
    ("خطفت الممثلة الأضواء في حفل الافتتاح", "figurative"),
    ("عين المجلس رئيس التحرير الجديد للصحيفة", "other_sense"),
])
def test_candidate_gets_its_decision(text, decision):
    ds = _decisions(text)
    assert decision in ds, ds
    assert "occurred" not in ds, ds
    assert not _types(text) & VIOLENT


def test_occurred_event_carries_decision_and_the_fields_a_scorer_reads():
    res = analyse("قصفت طائرات حربية بلدة سراقب أمس ما أدى إلى مقتل ثلاثة مدنيين", published=PUB)
    ev = res.events[0]
    assert ev["factuality"] == {"decision": "occurred", "cue": None}
    for key in ("event_type", "sub_event_type", "modality", "evidence", "confidence", "actor1", "location"):
        assert key in ev
    assert ev["fatalities"] == 3


def test_mentions_are_kept_for_audit_not_as_events():
    res = analyse("ندد البيان بالقصف الذي طال المستشفى", published=PUB)
    assert res.events == []
    assert res.mentions and res.mentions[0]["factuality"]["decision"] == "reaction"
    assert res.mentions[0]["factuality"]["cue"] == "ندد"


def test_nominal_trigger_needs_an_asserting_predicate():
    # the noun names the deed as a subject of talk: no event
    assert not _types("يتحدث الناس كثيرا عن التفجير في المقاهي")
    # an occurrence verb asserts it
    assert _types("وقع التفجير قرب سوق المدينة صباح اليوم") & VIOLENT


def test_topic_noun_governs_the_trigger():
    res = analyse("نشرت الصحيفة تفاصيل الهجوم الانتحاري على الثكنة", published=PUB)
    assert res.events == []
    assert "تفاصيل" in {m["factuality"]["cue"] for m in res.mentions}


def test_pluperfect_alone_is_no_recall_but_with_an_old_date_it_is():
    assert len(extract_events("وكان مسلحون قد اختطفوا طبيبا في بلدة سراقب أمس", published=PUB)) == 1
    assert extract_events("وكان مسلحون قد اختطفوا طبيبا في بلدة سراقب في آذار 2017", published=PUB) == []


def test_death_caused_by_a_deed_told_after_a_time_word():
    evs = extract_events("لقي راع حتفه إثر انفجار لغم أرضي قرب بلدة سراقب", published=PUB)
    assert [e["sub_event_type"] for e in evs] == ["Remote explosive/landmine/IED"]


# ------------------------------------------------------------------ cues as whole tokens

def test_cues_are_whole_tokens_not_pieces_of_words():
    # «بعدما» holds the letters of «عدم» (negation): it must not negate the shelling
    assert _types("قصفت المدفعية بلدة سراقب بعدما انسحب المسلحون منها") & VIOLENT
    # «دورية» (a patrol) is not «الدوري» (a football league)
    assert _types("انفجرت عبوة ناسفة بدورية للشرطة في مدينة الرمادي") & VIOLENT
    # «بدون طيار» names a drone; it does not negate the strike
    assert _types("قصفت طائرة بدون طيار سيارة قرب بلدة سراقب") & VIOLENT
    # «دون هوادة» (relentlessly) negates nothing
    assert _types("قصفت قوات النظام بلدة سراقب دون هوادة") & VIOLENT


# ------------------------------------------------------------------ senses as data

def test_senses_file_has_provenance_and_known_kinds():
    kinds = {s["sense"] for s in senses_data()}
    assert kinds <= {"other_sense", "unit", "figurative", "weapon_name"}
    with open("pipelines/events/data/senses.yaml", encoding="utf-8") as fh:
        head = fh.read(600)
    assert "Marsad" in head and "licence" in head


@pytest.mark.parametrize("text", [
    "تولى الصحفي منصب رئيس التحرير في الجريدة",
    "حرر الشرطي محضرا بالواقعة",
    "أكدت الحكومة السيطرة على الوضع في العاصمة",
    "قال الوزير إن البلاد تعمل على مواجهة خطر الجفاف",
    "اعتبر الكاتب أن القرار عمل انتحاري للحزب",
    "وصف الخطيب الاستيطان بأنه اغتصاب حق الشعب",
    "انتشرت قوات مكافحة الشغب في الشارع الرئيسي",
    "استقبل الرئيس ممثل منظمة التحرير في القصر",
])
def test_non_violent_senses_idioms_and_units(text):
    assert not _types(text) & (VIOLENT | {"Protests", "Riots"}), text


def test_riot_police_dispersing_protesters_is_a_protest_not_a_riot():
    evs = extract_events("فرقت قوات مكافحة الشغب مظاهرة للطلاب أمام الجامعة في بغداد بالغاز المسيل للدموع",
                         published=PUB, timezone="Asia/Baghdad")
    assert [e["sub_event_type"] for e in evs] == ["Protest with intervention"]


# ------------------------------------------------------------------ lexicon gaps

@pytest.mark.parametrize("text, sub", [
    ("اعتدى عناصر من الشرطة بالضرب على صحفي في مدينة الموصل", "Attack"),
    ("عذب مسلحون معتقلين في سجن سري قرب مدينة الموصل حتى الموت", "Attack"),
    ("فجر مسلحون عبوة ناسفة على طريق مدينة الرمادي", "Remote explosive/landmine/IED"),
    ("فتح مسلح النار على حافلة ركاب في مدينة الموصل فقتل أربعة منهم", None),
    ("ألقى مجهولون قنبلة على منزل قاض في مدينة البصرة", "Remote explosive/landmine/IED"),
    ("احتجز مسلحون عشرة رهائن داخل مصرف في مدينة البصرة", "Abduction/forced disappearance"),
])
def test_violent_families(text, sub):
    evs = extract_events(text, published=PUB, timezone="Asia/Baghdad")
    assert {e["event_type"] for e in evs} & VIOLENT, text
    if sub:
        assert sub in {e["sub_event_type"] for e in evs}, [e["sub_event_type"] for e in evs]


def test_dawn_is_not_detonation():
    assert not _types("وصل الوفد إلى مدينة البصرة فجر اليوم") & VIOLENT


@pytest.mark.parametrize("text", [
    "خرج متظاهرون إلى الساحة الرئيسية في مدينة البصرة مطالبين بالكهرباء",
    "تدفق آلاف المحتجين إلى شوارع مدينة البصرة",
    "احتشد الآلاف أمام مبنى المحافظة في مدينة البصرة",
    "تجمهر عشرات الشبان أمام مركز الشرطة في مدينة الناصرية",
    "انطلقت مسيرة حاشدة في شوارع مدينة الناصرية",
    "قطع محتجون الطريق الدولي قرب مدينة الناصرية بالإطارات المشتعلة",
    "أعلن المعتقلون إضرابا عن الطعام في سجن الناصرية",
    "نظم الأهالي وقفة تضامنية أمام مستشفى مدينة الناصرية",
])
def test_protest_families(text):
    assert _types(text) & {"Protests", "Riots"}, text


@pytest.mark.parametrize("text", [
    "قال أحد المتظاهرين للصحفيين إن المطالب واضحة",
    "استقبل المحافظ وفدا من المحتجين في مكتبه",
    "استهدفت طائرة مسيرة تركية سيارة قرب مدينة القامشلي",
])
def test_protesters_as_argument_or_a_drone_are_no_protest(text):
    assert not _types(text) & {"Protests", "Riots"}, text


def test_definite_protesters_continue_the_protest_already_told():
    # alone, «the protesters chanted» tells of a protest the text treats as known
    assert not _types("وردد المتظاهرون هتافات ضد الحكومة في مدينة البصرة") & {"Protests"}
    text = ("تظاهر مئات الطلاب أمام جامعة البصرة اليوم مطالبين بتحسين الخدمات.\n"
            "وردد المتظاهرون هتافات ضد الحكومة ورفعوا لافتات.")
    evs = [e for e in extract_events(text, published=PUB, timezone="Asia/Baghdad")
           if e["event_type"] == "Protests"]
    assert len(evs) == 1


# ------------------------------------------------------------------ one event per article (item 6)

def test_dateline_is_never_the_place():
    evs = extract_events("عمّان - قصفت طائرات حربية بلدة سراقب أمس", published=PUB, timezone="Asia/Damascus")
    assert [e["location"]["name_en"] for e in evs] == ["Saraqib"]
    evs = extract_events("بيروت (وكالات) - قتل شخصان في انفجار عبوة ناسفة في مدينة صيدا أمس",
                         published=PUB, timezone="Asia/Beirut")
    assert {e["location"]["name_en"] for e in evs} == {"Sidon"}


def test_headline_and_body_are_one_event():
    text = ("غارات على ريف إدلب توقع قتلى\n"
            "قتل أربعة مدنيين اليوم في غارات جوية شنتها طائرات حربية على بلدة سراقب بريف إدلب.")
    evs = extract_events(text, published=PUB, timezone="Asia/Damascus")
    assert len(evs) == 1
    assert evs[0]["location"]["name_en"] == "Saraqib" and evs[0]["fatalities"] == 4


def test_governorate_mention_and_town_mention_of_one_capture_merge():
    text = ("سيطرت فصائل المعارضة اليوم على مواقع في ريف إدلب.\n"
            "وأكدت الفصائل أنها سيطرت على بلدة سراقب بعد انسحاب قوات النظام منها.")
    evs = [e for e in extract_events(text, published=PUB, timezone="Asia/Damascus")
           if e["event_type"] == "Battles"]
    assert len(evs) == 1 and evs[0]["location"]["name_en"] == "Saraqib"


# ------------------------------------------------------------------ places and actors (items 7, 8)

def test_homonym_follows_the_country_the_article_is_about():
    libya = extract_events("قصفت قوات حفتر مواقع في طرابلس أمس", published=PUB, timezone="Asia/Riyadh")
    assert libya[0]["location"]["country"] == "Libya"
    lebanon = extract_events("قال الجيش اللبناني إن اشتباكات اندلعت أمس في طرابلس بين مسلحين",
                             published=PUB, timezone="Asia/Riyadh")
    assert lebanon[0]["location"]["country"] == "Lebanon"


def test_strong_trigger_without_actor_or_place_is_kept_less_sure():
    bare = extract_events("انفجرت سيارة مفخخة صباح اليوم", published=PUB)
    full = extract_events("انفجرت سيارة مفخخة صباح اليوم في بلدة سراقب", published=PUB,
                          timezone="Asia/Damascus")
    assert len(bare) == 1 and bare[0]["confidence"] < full[0]["confidence"]


def test_every_violent_event_has_an_actor1():
    ev = extract_events("انفجرت عبوة ناسفة في سوق مدينة الرمادي أمس", published=PUB,
                        timezone="Asia/Baghdad")[0]
    assert ev["actor1"]["name"] == "Unidentified Armed Group (Iraq)"
    ev = extract_events("أعلنت الحكومة والمعارضة التوصل إلى اتفاق لوقف إطلاق النار في بلدة سراقب",
                        published=PUB, timezone="Asia/Damascus")[0]
    assert ev["actor1"] is not None or ev["actor1_reason"]


def test_the_speaker_is_the_source_not_the_actor():
    ev = extract_events("قال الجيش الأمريكي إن جنديين قتلا في انفجار عبوة ناسفة في بغداد أمس",
                        published=PUB, timezone="Asia/Baghdad")[0]
    assert ev["actor1"]["name"] != "Military Forces of the United States"
    assert ev["attributed_source"] == "Military Forces of the United States"
    # speaking of its own forces, the speaker stays the actor
    ev = extract_events("قال الجيش الأمريكي إن طائراته قصفت مواقع للمسلحين قرب مدينة الرمادي أمس",
                        published=PUB, timezone="Asia/Baghdad")[0]
    assert ev["actor1"]["name"] == "Military Forces of the United States"


def test_security_sources_are_never_actor1():
    ev = extract_events("قالت مصادر أمنية إن انفجارا وقع في سوق مدينة الموصل أمس وأسفر عن مقتل خمسة أشخاص",
                        published=PUB, timezone="Asia/Baghdad")[0]
    assert ev["attributed_source"] == "Security sources"
    assert ev["actor1"]["name"] == "Unidentified Armed Group (Iraq)"


def test_explain_prints_every_candidate_with_decision_cue_and_score():
    from pipelines.events.cli import explain_line
    lines = explain_line("قصفت طائرات حربية بلدة سراقب أمس، وأدان الائتلاف القصف.")
    assert lines[0].startswith("#") and "1 event(s), 1 non-event mention(s)" in lines[0]
    event = [ln for ln in lines if ln.startswith("EVENT")][0]
    mention = [ln for ln in lines if ln.startswith("MENTION")][0]
    assert "decision=occurred" in event and "score=0." in event
    assert "decision=reaction" in mention and "cue='وأدان'" in mention


def test_state_forces_are_named_by_the_government_of_the_event_date():
    text = "قصف الجيش العراقي مواقع للمسلحين قرب مدينة الموصل أمس"
    old = extract_events(text, published="2008-06-15T12:00:00+03:00", timezone="Asia/Baghdad")[0]
    new = extract_events(text, published="2021-01-15T12:00:00+03:00", timezone="Asia/Baghdad")[0]
    assert old["actor1"]["name"] == "Military Forces of Iraq (2006-2014)"
    assert new["actor1"]["name"] == "Military Forces of Iraq (2020-2022)"


def test_consequence_and_claim_merge_into_the_reported_deed():
    text = ("انفجرت سيارة مفخخة قرب سوق في مدينة الموصل أمس.\n"
            "وأسفر الانفجار عن مقتل سبعة أشخاص وإصابة عشرين آخرين.\n"
            "وتبنى تنظيم القاعدة التفجير في بيان نشره اليوم.")
    evs = extract_events(text, published=PUB, timezone="Asia/Baghdad")
    assert len(evs) == 1
    ev = evs[0]
    assert ev["fatalities"] == 7 and ev["injured"] == 20
    assert ev["actor1"]["name"] == "Al Qaeda" and ev["modality"] == "claimed"
    assert ev["date"] == "2020-06-11"


def test_killing_told_with_another_deed_is_its_toll():
    evs = extract_events("قتل عشرة جنود في هجوم شنه مسلحون على حاجز قرب مدينة الموصل أمس",
                         published=PUB, timezone="Asia/Baghdad")
    assert len(evs) == 1 and evs[0]["fatalities"] == 10


def test_headline_style_needs_a_title_line():
    # a title line with no verb is a report; the same words inside a sentence of talk are not
    assert _types("اشتباكات عنيفة بين الجيش ومسلحين قرب مدينة الموصل") & VIOLENT
    assert not _types("اشتباكات الأمس في المدينة كانت موضوع النقاش في البرلمان طوال الجلسة.") & VIOLENT


@pytest.mark.parametrize("text", [
    "قال متظاهر للصحفيين إن الشرطة هاجمت الخيام",
    "طوقت الشرطة المحتجين الذين خرجوا رغم حظر التجول",
    "توقفت المباراة دقائق بعد احتجاج اللاعبين على قرار الحكم",
    "التزمت الحكومة الصمت واعتصمت بالصمت أمام الانتقادات",
])
def test_protest_words_that_are_no_new_protest(text):
    assert not _types(text) & {"Protests", "Riots"}, text


def test_named_crowd_going_out_is_a_protest():
    assert _types("وخرج المتظاهرون إلى شوارع مدينة البصرة مرددين هتافات ضد الفساد") & {"Protests"}


@pytest.mark.parametrize("text", [
    "طوقت الشرطة مكان الانفجار وأغلقت الشوارع المحيطة به",
    "قال صاحب المقهى إنه كان خارج المبنى لحظة وقوع التفجير",
    "فجر الوزير الزوبعة بتصريحاته عن الموازنة",
])
def test_the_place_and_moment_of_a_known_deed_and_idioms(text):
    assert not _types(text) & VIOLENT, text


def test_hostages_are_an_abduction_only_when_taken():
    assert _types("احتجز مسلحون عشرة رهائن داخل فندق في مدينة البصرة أمس") & VIOLENT
    assert not _types("أعلنت الحكومة أن الرهائن بخير وأن المفاوضات مستمرة") & VIOLENT


# ------------------------------------------------- precision on newswire (own sentences)

@pytest.mark.parametrize("text", [
    # more control over a body or a situation is no seizure of ground
    "طالب النواب بفرض سيطرة أكبر على شركات الأمن الخاصة العاملة في البلاد",
    "تمكن الحراس من السيطرة على الموقف قبل وصول الشرطة إلى المصرف",
    # missiles deployed or tested, nuclear tests: weapons named, not fired
    "أعلنت الحكومة نشر صواريخ قرب الحدود الغربية للبلاد",
    "أجرت الدولة تجربة صواريخ جديدة في الصحراء الشرقية",
    "قال الخبراء إن البلاد فجرت قنبلتها الذرية الأولى في موقع جبلي",
    "ضبطت الشرطة مع الموقوفين قاذفات صواريخ وذخائر في المدينة",
])
def test_control_and_weapons_named_are_no_violent_event(text):
    assert not _types(text) & VIOLENT, text


@pytest.mark.parametrize("text", [
    "قال محامي السجين إن موكله تعرض للتعذيب خلال سنوات احتجازه",
    "أكد المعتقلون المفرج عنهم تعرضهم للتعذيب على أيدي الحراس",
    "قال الرجل إنه تعرض للسجن والتعذيب في بلده قبل أن يهاجر",
    "قال المتهم إن اعترافاته انتزعت تحت التعذيب",
])
def test_ill_treatment_told_as_suffered_is_an_account_not_a_report(text):
    ds = _decisions(text)
    assert "reference" in ds and "occurred" not in ds, ds
    assert not _types(text) & VIOLENT, text


@pytest.mark.parametrize("text", [
    "تعرض شاب للتعذيب على أيدي مسلحين في مدينة الموصل أمس",
    "عذب مسلحون معتقلين في سجن سري قرب مدينة الموصل حتى الموت",
    "سيطر المسلحون على بلدة في ريف مدينة الموصل بعد معارك عنيفة",
])
def test_dated_or_done_deeds_stay_events(text):
    assert _types(text) & VIOLENT, text


@pytest.mark.parametrize("text, decision", [
    # a fear in the past tense, a deed only supposed
    ("قال القائد إنهم خشوا أن تأتي الطائرات فتقصف المعسكر", "hypothetical"),
    ("تناقلت المواقع أنباء عن هجمات انتحارية مفترضة في العاصمة", "hypothetical"),
    # a deed dated years back is a recall
    ("كان التاجر قد اغتاله مسلحون قبل عامين في السوق", "reference"),
    ("أشار الضابط إلى تفجير حصل قبل أكثر من عام في الحي نفسه", "reference"),
])
def test_fears_suppositions_and_deeds_years_back(text, decision):
    ds = _decisions(text)
    assert decision in ds and "occurred" not in ds, ds
    assert not _types(text) & VIOLENT, text
