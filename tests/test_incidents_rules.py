"""Rules for merging event reports (pipelines.incidents.rules): pure functions, no store."""
from __future__ import annotations

import datetime as dt

from pipelines.export import incident_row, incident_scale, incident_sources
from pipelines.incidents.rules import (
    actor_score,
    date_score,
    days,
    join_score,
    merge_confidence,
    merged_fatalities,
    merged_fields,
    pair_score,
    place_score,
)

ARMY = {"name": "Military Forces of Syria (2000-2024)", "type": "State forces", "inter": 1}
REBELS = {"name": "Opposition Rebels (Syria)", "type": "Rebel group", "inter": 2}
FATAH = {"name": "Jaish al-Fatah", "type": "Rebel group", "inter": 2}
AHRAR = {"name": "Ahrar al-Sham", "type": "Rebel group", "inter": 2}
CIVILIANS = {"name": "Civilians (Syria)", "type": "Civilians", "inter": 7}
IS = {"name": "Islamic State (Syria)", "type": "Rebel group", "inter": 2}
RUSSIA = {"name": "Military Forces of Russia (2000-)", "type": "External/Other forces", "inter": 8}
# coordinates from the project's gazetteer (rounded)
SARAQIB = {"name_en": "Saraqib", "surface": "سراقب", "admin1": "Idleb", "admin2": "Idlib", "country": "Syria",
           "lat": 35.864, "lon": 36.806, "geo_precision": 1}
IDLIB = {"name_en": "Idlib", "surface": "إدلب", "admin1": "Idleb", "admin2": "Idlib", "country": "Syria",
         "lat": 35.930, "lon": 36.634, "geo_precision": 1}
KAFR_NABL = {"name_en": "Kafr Nabl", "surface": "كفرنبل", "admin1": "Idleb", "admin2": "Maarrat al-Nu'man",
             "country": "Syria", "lat": 35.614, "lon": 36.561, "geo_precision": 1}
MAARAT = {"name_en": "Maarrat al-Numan", "surface": "معرة النعمان", "admin1": "Idleb",
          "admin2": "Maarrat al-Nu'man", "country": "Syria", "lat": 35.644, "lon": 36.671, "geo_precision": 1}
MAARAT_COUNTRYSIDE = dict(MAARAT, geo_precision=2)
ALEPPO = {"name_en": "Aleppo", "surface": "حلب", "admin1": "Aleppo", "admin2": "Mount Simeon",
          "country": "Syria", "lat": 36.201, "lon": 37.161, "geo_precision": 1}
N = 0


def rep(**kw) -> dict:
    global N
    N += 1
    base = {"event_id": f"r{N}", "article_url": f"http://a/{N}", "source": f"s{N}", "story": None,
            "report_time": dt.datetime(2015, 6, 2, 10, tzinfo=dt.UTC) + dt.timedelta(minutes=N),
            "event_type": "Explosions/Remote violence", "sub_event_type": "Air/drone strike",
            "disorder_type": "Political violence", "date": "2015-06-02", "time_precision": 1,
            "location": SARAQIB, "actor1": ARMY, "actor2": CIVILIANS,
            "assoc_actor_1": [], "assoc_actor_2": [],
            "fatalities": 7, "injured": None, "modality": "reported", "attributed_source": None,
            "confidence": 0.9, "evidence": "...", "place_weak": False}
    base.update(kw)
    return base


def test_dates_must_meet_at_their_precision():
    assert date_score(rep(), rep()) == 1.0
    assert date_score(rep(), rep(date="2015-06-03")) is None            # two days: two events
    assert date_score(rep(), rep(date="2015-06-04", time_precision=2)) == 0.8   # a week around the 4th
    assert date_score(rep(), rep(date="2015-06-20", time_precision=2)) is None
    assert date_score(rep(), rep(date="2015-06-15", time_precision=3)) == 0.8
    assert days(rep(date="2015-06-04", time_precision=2)) == [f"2015-06-0{d}" for d in range(1, 8)]
    assert date_score(rep(), rep(date=None)) is None


def test_two_towns_of_one_district_on_one_day_stay_apart():
    assert place_score(rep(location=KAFR_NABL), rep(location=MAARAT)) is None     # ~10 km, both precise
    assert pair_score(rep(location=KAFR_NABL), rep(location=MAARAT)) is None
    assert place_score(rep(location=SARAQIB), rep(location=dict(SARAQIB))) == 1.0


def test_a_vaguer_place_matches_within_its_area():
    # «ريف معرة النعمان» (precision 2) is compatible with a town of that district
    assert place_score(rep(location=KAFR_NABL), rep(location=MAARAT_COUNTRYSIDE)) == 0.75
    # ... but not with a town of another district farther than 10 km
    assert place_score(rep(location=SARAQIB), rep(location=MAARAT_COUNTRYSIDE)) is None
    # a governorate-level place matches any place in the governorate
    idleb = {"name_en": "Idleb", "admin1": "Idleb", "country": "Syria", "lat": 35.8, "lon": 36.6,
             "geo_precision": 3}
    assert place_score(rep(location=KAFR_NABL), rep(location=idleb)) == 0.6
    assert place_score(rep(location=ALEPPO), rep(location=idleb)) is None


def test_a_place_the_evidence_does_not_name_is_weak():
    # a dateline «إدلب» taken as the place: it stands for the governorate
    assert place_score(rep(location=SARAQIB), rep(location=IDLIB)) is None
    assert place_score(rep(location=KAFR_NABL), rep(location=IDLIB, place_weak=True)) == 0.6
    assert place_score(rep(location=SARAQIB), rep(location=IDLIB, place_weak=True)) == 0.75   # one district
    assert place_score(rep(location=ALEPPO), rep(location=IDLIB, place_weak=True)) is None


def test_copies_of_one_story_need_only_the_country():
    a, b = rep(location=SARAQIB, story="st-1"), rep(location=ALEPPO, story="st-1")
    assert place_score(a, b) == 0.9
    assert place_score(rep(location=SARAQIB, story="st-1"), rep(location=ALEPPO, story="st-2")) is None


def test_actor_rules():
    assert actor_score(rep(), rep()) == 0.925          # army agrees; civilians are vague (neutral)
    # the two roles read in the other order still agree
    assert actor_score(rep(actor1=FATAH, actor2=ARMY), rep(actor1=ARMY, actor2=FATAH)) == 1.0
    # «فصائل المعارضة» may be Jaish al-Fatah, but not the army
    assert actor_score(rep(actor1=REBELS, actor2=ARMY), rep(actor1=FATAH, actor2=ARMY)) == 0.925
    assert actor_score(rep(actor1=REBELS, actor2=CIVILIANS), rep(actor1=ARMY, actor2=CIVILIANS)) is None
    # a conflict next to an agreement is tolerated, a conflict alone is not
    assert actor_score(rep(actor1=ARMY, actor2=AHRAR), rep(actor1=ARMY, actor2=FATAH)) == 0.75
    assert actor_score(rep(actor1=RUSSIA, actor2=None), rep(actor1=ARMY, actor2=None)) is None
    assert actor_score(rep(actor1=None, actor2=None), rep(actor1=IS, actor2=None)) == 0.85


def test_types_must_share_a_family():
    shelling = rep(sub_event_type="Shelling/artillery/missile attack")
    assert pair_score(rep(), shelling) is not None and pair_score(rep(), shelling) < pair_score(rep(), rep())
    clash = rep(event_type="Battles", sub_event_type="Armed clash")
    assert pair_score(rep(), clash) is None


def test_reports_of_one_article_never_merge():
    a = rep()
    assert pair_score(a, rep(article_url=a["article_url"])) is None


def test_join_is_complete_link():
    members = [rep(location=KAFR_NABL), rep(location=MAARAT_COUNTRYSIDE)]
    assert join_score(rep(location=KAFR_NABL), members) is not None
    # compatible with the vague report but not with the precise one: no chaining
    assert join_score(rep(location=MAARAT), members) is None


def test_fatalities_most_conservative_well_supported():
    reports = [rep(fatalities=7), rep(fatalities=7), rep(fatalities=9), rep(fatalities=4)]
    assert merged_fatalities(reports)[0] == 7          # 7 by two outlets; 4 by one only
    assert merged_fatalities([rep(fatalities=9), rep(fatalities=12)])[0] == 9
    # a claim by the perpetrator does not count while a reported figure exists
    assert merged_fatalities([rep(fatalities=30, modality="claimed"), rep(fatalities=20)])[0] == 20
    assert merged_fatalities([rep(fatalities=30, modality="claimed")])[0] == 30
    assert merged_fatalities([rep(fatalities=0), rep(fatalities=0)]) == (0, "none reported")


def test_merged_fields_follow_the_stated_rules():
    vague = rep(location=MAARAT_COUNTRYSIDE, actor1=REBELS, fatalities=11, source="a")
    precise = rep(location=KAFR_NABL, actor1=FATAH, fatalities=10, source="b")
    third = rep(location=KAFR_NABL, actor1=FATAH, fatalities=10, source="c", story="st-9")
    merged = merged_fields([vague, precise, third])
    assert merged["location"]["name_en"] == "Kafr Nabl"         # most precise
    assert merged["actor1"]["name"] == "Jaish al-Fatah"         # best supported
    assert merged["fatalities"] == 10 and merged["fatalities_reported"] == [10, 11]
    assert merged["sources"] == ["a", "b", "c"] and merged["source_count"] == 3
    assert merged["first_report"] == vague["report_time"]
    assert 0 < merged["merge_confidence"] < 1
    assert merge_confidence([precise]) == 1.0


def test_source_scale_and_list():
    pubs = {"wire": {"name": "Wire", "source_scale": "International"},
            "sham": {"name": "شام اليوم", "source_scale": "National"},
            "halab": {"name": "Halab", "source_scale": "Local"},
            "both": {"name": "Both", "source_scale": "Subnational-National"},
            "blank": {"name": "Blank", "source_scale": ""}}
    assert incident_scale(["sham"], pubs) == "National"
    assert incident_scale(["wire", "sham", "halab"], pubs) == "Local-International"
    assert incident_scale(["unknown"], pubs) == "Other" and incident_scale(["blank"], pubs) == "Other"
    assert incident_scale(["both", "wire"], pubs) == "Subnational-International"   # a joined registry scale
    assert incident_scale(["halab", "unknown"], pubs) == "Local-Other"
    assert incident_scale([], pubs) == ""
    # outlets in the order they first reported the event, by name; then the cited organisations
    inc = {"sources": ["sham", "wire"], "attributed_sources": ["Syrian Observatory for Human Rights"],
           "reports": [{"source": "wire"}, {"source": "sham"}, {"source": "wire"}]}
    assert incident_sources(inc, pubs) == "Wire; شام اليوم; Syrian Observatory for Human Rights"
    assert incident_sources(inc, {}) == "wire; sham; Syrian Observatory for Human Rights"


def test_acled_row_per_incident():
    reports = [rep(source="wire"), rep(source="sham", fatalities=9)]
    inc = {"_id": "ev-1", **merged_fields(reports), "reports": reports, "version": "v"}
    pubs = {"wire": {"name": "wire", "source_scale": "International"},
            "sham": {"name": "sham", "source_scale": "National"}}
    row = incident_row(inc, 1, pubs)
    assert row["event_date"] == "2015-06-02" and row["fatalities"] == 7
    assert row["location"] == "Saraqib" and row["actor1"] == ARMY["name"]
    assert row["source"] == "wire; sham" and row["source_scale"] == "National-International"
    assert "2 reports from 2 sources" in row["notes"] and "merge_confidence=" in row["tags"]
    assert row["event_id_cnty"] == "SYRev-1" and row["incident_id"] == "ev-1"
    assert row["report_count"] == 2 and row["source_count"] == 2 and row["source_ids"] == "sham; wire"
    assert row["merge_confidence"] == inc["merge_confidence"] and row["fatalities_reported"] == "7/9"
    assert row["article_urls"].split() == [r["article_url"] for r in reports]
