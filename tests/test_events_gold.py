"""The written gold articles: scores per field stay high, negatives give no event."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import eval_events  # noqa: E402

from pipelines.events import extract_events  # noqa: E402

ARTICLES = eval_events.load_gold()
BY_ID = {a["id"]: a for a in ARTICLES}


def _run(a: dict) -> list[dict]:
    return extract_events(a["text"], published=a.get("published"), timezone=a.get("timezone"))


@pytest.mark.parametrize("aid", [a["id"] for a in ARTICLES if a.get("events") == []])
def test_negatives_give_no_event(aid):
    assert _run(BY_ID[aid]) == []


def test_per_field_scores():
    res = eval_events.evaluate(ARTICLES)
    for field in ("event",) + eval_events.FIELDS:
        tp, fp, fn = res["counts"][field]
        p, r, f1 = eval_events.prf(tp, fp, fn)
        assert f1 >= 0.85, (field, p, r)
    found, total = res["central"]
    assert found == total
    assert res["violations"] == []


@pytest.mark.parametrize("name", ["holdout.yaml", "holdout2.yaml", "holdout3.yaml", "holdout4.yaml"])
def test_held_out_sets_stay_good(name):
    arts = eval_events.load_gold(eval_events.GOLD.parent / name)
    res = eval_events.evaluate(arts)
    p, r, f1 = eval_events.prf(*res["counts"]["event"])
    assert f1 >= 0.9, (p, r)
    for field in ("sub_event_type", "location", "date", "actor1"):
        assert eval_events.prf(*res["counts"][field])[2] >= 0.75, field
    for a in arts:
        if a.get("events") == []:
            assert _run(a) == [], a["id"]


def test_period_names_follow_renaming():
    # «جبهة النصرة» in a 2018 report means the group then called Hayat Tahrir al-Sham.
    evs = _run(BY_ID["w07_nusra_name_in_2018"])
    assert evs and evs[0]["actor1"]["name"] == "Hayat Tahrir al-Sham"
    assert evs[0]["actor1"]["surface"] == "جبهة النصرة"


def test_army_after_december_2024_is_the_new_army():
    evs = _run(BY_ID["w28_new_army_2025"])
    assert evs[0]["actor1"]["name"] == "Military Forces of Syria (2024-)"


def test_two_events_split_by_place_and_type():
    evs = _run(BY_ID["w26_two_events_hama"])
    assert [e["sub_event_type"] for e in evs] == ["Shelling/artillery/missile attack", "Armed clash"]
    assert evs[0]["location"]["name_en"] != evs[1]["location"]["name_en"]
    assert evs[1]["location"]["geo_precision"] == 2


def test_denial_is_kept_as_denied():
    evs = _run(BY_ID["w27_denied_strike"])
    assert evs and evs[0]["modality"] == "denied"


def test_ambiguous_city_decided_by_country():
    evs = _run(BY_ID["w16_tripoli_clashes"])
    assert evs[0]["location"]["country"] == "Libya"
    assert evs[0]["fatalities"] == 23


ACLED = {
    "Battles": {"Armed clash", "Government regains territory", "Non-state actor overtakes territory"},
    "Explosions/Remote violence": {"Chemical weapon", "Air/drone strike", "Suicide bomb",
                                   "Shelling/artillery/missile attack", "Remote explosive/landmine/IED", "Grenade"},
    "Violence against civilians": {"Sexual violence", "Attack", "Abduction/forced disappearance"},
    "Protests": {"Peaceful protest", "Protest with intervention", "Excessive force against protesters"},
    "Riots": {"Violent demonstration", "Mob violence"},
    "Strategic developments": {"Agreement", "Arrests", "Change to group/activity", "Disrupted weapons use",
                               "Headquarters or base established", "Looting/property destruction",
                               "Non-violent transfer of territory", "Other"},
}
INTER = {"State forces": 1, "Rebel group": 2, "Political militia": 3, "Identity militia": 4, "Rioters": 5,
         "Protesters": 6, "Civilians": 7, "External/Other forces": 8}


@pytest.mark.parametrize("name", ["gold.yaml", "holdout.yaml", "holdout2.yaml", "holdout3.yaml", "holdout4.yaml"])
def test_every_event_speaks_acled(name):
    for a in eval_events.load_gold(eval_events.GOLD.parent / name):
        for ev in _run(a):
            assert ev["sub_event_type"] in ACLED[ev["event_type"]], (a["id"], ev["event_type"], ev["sub_event_type"])
            for role in ("actor1", "actor2"):
                if ev[role] is not None:
                    assert INTER[ev[role]["type"]] == ev[role]["inter"]
            assert ev["time_precision"] in (1, 2, 3)
            loc = ev["location"]
            if loc is not None:
                assert loc["geo_precision"] in (1, 2, 3) and -90 <= loc["lat"] <= 90 and -180 <= loc["lon"] <= 180
