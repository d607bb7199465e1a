"""The extractor's choices that merging rests on (pipelines/events; issue 14, item 4): who
acted, where and when, as each outlet tells it. Sentences written for these tests (not
the fixture set's); the learned scorer is off, as in the other rule tests."""
from __future__ import annotations

import pytest

from pipelines.events import extract_events
from pipelines.events.scorer import ENV_VAR

PUB = "2015-09-08T12:00:00+03:00"   # a Tuesday
TZ = "Asia/Damascus"


@pytest.fixture(autouse=True)
def _rules_only(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "off")


def events(text: str) -> list[dict]:
    return extract_events(text, published=PUB, timezone=TZ)


def _name(actor) -> str | None:
    return (actor or {}).get("name")


def test_who_holds_the_shelled_place_is_not_who_shelled_it():
    evs = events("قتلت امرأتان اليوم بقذائف صاروخية أطلقتها فصائل المعارضة على حي الميدان "
                 "الخاضع لسيطرة النظام في مدينة حلب.")
    assert [e["sub_event_type"] for e in evs] == ["Shelling/artillery/missile attack"]
    assert _name(evs[0]["actor1"]) == "Opposition Rebels (Syria)"
    assert "Military" not in (_name(evs[0]["actor2"]) or "")


def test_who_holds_a_captured_town_is_still_its_other_side():
    evs = [e for e in events("سيطرت فصائل المعارضة اليوم على بلدة تل سلمو الخاضعة لسيطرة قوات النظام "
                             "في ريف إدلب بعد معارك عنيفة.") if e["event_type"] == "Battles"]
    assert evs and _name(evs[0]["actor1"]) == "Opposition Rebels (Syria)"
    assert (_name(evs[0]["actor2"]) or "").startswith("Military Forces of Syria")


def test_the_place_of_a_recalled_strike_is_not_the_new_one():
    text = ("بنش (وكالة الأنباء) - لقي خمسة مدنيين حتفهم اليوم إثر إلقاء الطيران المروحي براميل متفجرة "
            "على بلدة بنش في ريف إدلب، بحسب ناشطين.\n"
            "ويأتي القصف بعد ساعات من غارة على بلدة تفتناز المجاورة أوقعت قتيلين.")
    evs = [e for e in events(text) if e["event_type"] == "Explosions/Remote violence"]
    places = {(e["location"] or {}).get("name_en") for e in evs}
    assert places == {"Binnish"}
    assert all(e["date"] == "2015-09-08" for e in evs)


def test_a_lone_place_after_a_recall_still_places_the_deed():
    # the only place named: the clashes are placed there too
    evs = events("وكانت الاشتباكات قد اندلعت عقب هجوم نفذه مسلحون مجهولون فجر اليوم على حاجز في مدينة درعا.")
    battles = [e for e in evs if e["event_type"] == "Battles"]
    assert battles and all((e["location"] or {}).get("name_en") for e in battles)


@pytest.mark.parametrize("text, expected", [
    ("غارة جوية على بلدة بنش اليوم توقع ستة قتلى بين المدنيين.", 1),
    ("غارات للطيران الحربي على مدينة سراقب توقع نحو عشرين جريحا اليوم.", 1),
    ("توقع مسؤول محلي أن تتواصل الغارات على بلدة بنش خلال الأيام المقبلة.", 0),
])
def test_toqi_inflicts_a_toll_or_expects(text, expected):
    found = [e for e in events(text) if e["event_type"] == "Explosions/Remote violence"]
    assert len(found) == expected, found


def test_a_funeral_report_of_a_dated_deed_reports_it_on_its_own_day():
    evs = events("شيع أهالي بلدة تفتناز اليوم الثلاثاء ضحايا القصف الذي استهدف البلدة أمس "
                 "وأودى بحياة ثلاثة مدنيين.")
    remote = [e for e in evs if e["event_type"] == "Explosions/Remote violence"]
    assert remote and remote[0]["date"] == "2015-09-07"          # yesterday, not the funeral's day
    assert (remote[0]["location"] or {}).get("name_en") == "Taftanaz"
    victims = events("دفن الأهالي اليوم ضحايا الغارة التي شنتها طائرات النظام أمس على بلدة سرمين.")
    assert [e["date"] for e in victims if e["sub_event_type"] == "Air/drone strike"] == ["2015-09-07"]


@pytest.mark.parametrize("text", [
    "شيع أهالي بلدة تفتناز اليوم ضحايا القصف.",                       # no day of its own
    "شيع أهالي بلدة تفتناز اليوم ضحايا القصف الذي استهدف البلدة الشهر الماضي.",
    "أدان المجلس المحلي القصف الذي استهدف بلدة تفتناز أمس.",          # a condemnation is not a funeral
])
def test_a_funeral_or_reaction_alone_reports_nothing_new(text):
    assert not [e for e in events(text) if e["event_type"] == "Explosions/Remote violence"]


def test_an_outlet_name_in_the_byline_is_not_the_place():
    text = ("حمص نيوز - متابعة: قتل ثلاثة أشخاص صباح اليوم بانفجار عبوة ناسفة في حي الحاضر بمدينة حماة.\n"
            "ووقع الانفجار قرب دوار المدينة في ساعة ازدحام.")
    evs = [e for e in events(text) if e["event_type"] == "Explosions/Remote violence"]
    assert evs and {(e["location"] or {}).get("name_en") for e in evs} == {"Hama"}


def test_a_toll_told_after_a_headline_leaves_the_deed_its_type():
    text = ("قصفت طائرات التحالف الدولي مواقع لتنظيم الدولة في مدينة الطبقة\n"
            "وقال ناشطون إن ثمانية من عناصر التنظيم قتلوا.")
    evs = events(text)
    assert "Air/drone strike" in {e["sub_event_type"] for e in evs}
    assert "Attack" not in {e["sub_event_type"] for e in evs}
