"""The user's two seed articles: every central event found, the recalled capture not coded."""
from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.events import EXTRACTOR_VERSION, extract_events

GOLD = Path(__file__).parent / "gold" / "events"
REGIME = "Military Forces of Syria (2000-2024)"


@pytest.fixture(scope="module")
def jisr() -> list[dict]:
    text = (GOLD / "seed_jisr_al_shughur.txt").read_text(encoding="utf-8")
    return extract_events(text, published="2015-05-22T14:00:00+03:00", timezone="Asia/Damascus")


@pytest.fixture(scope="module")
def mastouma() -> list[dict]:
    text = (GOLD / "seed_mastouma.txt").read_text(encoding="utf-8")
    return extract_events(text, published="2015-05-19T17:27:00+03:00", timezone="Asia/Damascus")


def _find(events: list[dict], sub: str, place: str) -> list[dict]:
    return [e for e in events if e["sub_event_type"] == sub and e["location"]
            and e["location"]["name_en"] == place]


def test_mastouma_camp_taken_by_jaish_al_fatah(mastouma):
    found = _find(mastouma, "Non-state actor overtakes territory", "Al-Mastumah")
    assert len(found) == 1, "one merged event for the many mentions of the capture"
    ev = found[0]
    assert ev["actor1"]["name"] == "Jaish al-Fatah" and ev["actor1"]["type"] == "Rebel group"
    assert ev["actor2"]["name"] == REGIME and ev["actor2"]["inter"] == 1
    assert ev["location"]["admin1"] == "Idleb" and ev["location"]["geo_precision"] == 1
    assert ev["date"] == "2015-05-19" and ev["time_precision"] == 1


def test_twelve_defections(mastouma):
    found = _find(mastouma, "Change to group/activity", "Al-Mastumah")
    assert found and found[0]["defected"] == 12
    assert found[0]["actor1"]["name"] == REGIME


def test_jund_al_aqsa_car_bomb(mastouma):
    found = _find(mastouma, "Remote explosive/landmine/IED", "Al-Mastumah")
    assert found and found[0]["actor1"]["name"] == "Jund al-Aqsa"
    assert "مفخخة" in found[0]["evidence"]["text"]


def test_earlier_capture_of_idlib_city_not_coded(mastouma):
    assert not [e for e in mastouma if e["location"] and e["location"]["name_en"] == "Idlib"]
    assert all(e["date"] == "2015-05-19" for e in mastouma), "the March capture is background"


def test_nusra_ambushes_kill_dozens(jisr):
    found = [e for e in _find(jisr, "Armed clash", "Jisr al-Shughur")
             if e["actor1"] and e["actor1"]["name"] == "Jabhat al-Nusra"]
    assert found, "the ambush event"
    ev = found[0]
    assert ev["fatalities"] == 10, "«العشرات» is coded 10"
    assert ev["actor2"]["name"] == REGIME
    assert ev["date"] == "2015-05-22"


def test_chlorine_barrels_on_bishiriya(jisr):
    found = _find(jisr, "Chemical weapon", "Al-Bishiriyah")
    assert found and found[0]["actor1"]["name"] == REGIME
    assert found[0]["attributed_source"] == "Shaam News Network"


def test_clashes_near_mushayrifa(jisr):
    found = _find(jisr, "Armed clash", "Al-Mushayrifah")
    assert found
    ev = found[0]
    assert ev["location"]["geo_precision"] == 2, "«قرب» is near the village"
    assert {ev["actor1"]["name"], ev["actor2"]["name"]} == {"Opposition Rebels (Syria)", REGIME}
    assert "Hezbollah" in ev["assoc_actor_1"] + ev["assoc_actor_2"]
    assert ev["attributed_source"] == "Syrian Observatory for Human Rights"


def test_suicide_vehicle_bomb_on_hospital(jisr):
    found = _find(jisr, "Suicide bomb", "Jisr al-Shughur")
    assert found and found[0]["actor1"]["name"] == "Jaish al-Fatah"


def test_fields_and_offsets(jisr, mastouma):
    text = (GOLD / "seed_jisr_al_shughur.txt").read_text(encoding="utf-8")
    for ev in jisr:
        ev_text = ev["evidence"]["text"]
        assert text[ev["evidence"]["start"]:ev["evidence"]["end"]] == ev_text
        assert ev["extractor_version"] == EXTRACTOR_VERSION
        assert 0 < ev["confidence"] <= 1
        assert ev["modality"] in ("reported", "claimed", "denied")
        assert ev["disorder_type"] in ("Political violence", "Demonstrations", "Strategic developments")
