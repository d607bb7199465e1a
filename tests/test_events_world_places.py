"""The worldwide place layer (data/world_places.csv) under the curated gazetteer."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest

from pipelines.events import extract_events
from pipelines.events.lexicon import gazetteer, phrase_words
from pipelines.events.scorer import ENV_VAR

DATA = Path(__file__).resolve().parents[1] / "pipelines" / "events" / "data"
PUB = {"published": "2008-06-15T12:00:00+03:00", "timezone": "Asia/Riyadh"}


def _header(name: str) -> list[str]:
    with open(DATA / name, encoding="utf-8", newline="") as fh:
        return next(csv.reader(line for line in fh if not line.startswith("#")))


def test_same_columns_as_the_gazetteer_and_provenance():
    assert _header("world_places.csv") == _header("gazetteer_geonames.csv")
    head = (DATA / "world_places.csv").read_text(encoding="utf-8").splitlines()[:4]
    assert any("CC-BY 4.0" in line for line in head) and any("CLDR" in line for line in head)


def test_curated_names_shadow_the_world_layer():
    rows = gazetteer()
    curated = {phrase_words(n, True) for r in rows if not r.get("world")
               for n in r["names_ar"].split("|") if n}
    world = [r for r in rows if r.get("world")]
    assert len(world) > 2000
    assert {r["kind"] for r in world} >= {"country", "admin1", "place"}
    for r in world:
        assert not {phrase_words(n, True) for n in r["names_ar"].split("|")} & curated, r["name_en"]


@pytest.mark.parametrize("text, country, name", [
    ("قتل أربعة جنود أمس في هجوم شنه مسلحون على نقطة تفتيش في مدينة بيشاور.", "Pakistan", "Peshawar"),
    ("انفجرت قنبلة في سوق بمدينة كويتا وأسفرت عن مقتل ثلاثة أشخاص.", "Pakistan", "Quetta"),
    ("هاجم مسلحون قافلة للجيش في شمال وزيرستان وقتلوا أربعة جنود.", "Pakistan", "North Waziristan"),
    ("شنت طائرات غارة على مواقع لطالبان في ولاية هلمند وقتلت عشرة مسلحين.", "Afghanistan", "Helmand"),
    ("قتل جنديان في هجوم انتحاري استهدف دوريتهما في مدينة قندوز.", "Afghanistan", "Kunduz"),
    ("انفجرت سيارة مفخخة في بغداد فقتلت ثمانية أشخاص.", "Iraq", None),
    ("قتل شرطيان في تفجير عبوة ناسفة في مقديشو.", "Somalia", None),
    ("اشتبكت القوات السودانية مع المتمردين قرب مدينة نيالا.", "Sudan", None),
    ("تظاهر آلاف الأشخاص في باريس احتجاجا على الحرب.", "France", "Paris"),
    ("انفجرت قنبلة قرب محطة قطارات في مدريد وأصابت عشرة أشخاص.", "Spain", "Madrid"),
])
def test_events_abroad_get_a_place(monkeypatch, text, country, name):
    monkeypatch.setenv(ENV_VAR, "off")      # the place layer, not the scorer, is under test
    events = extract_events(text, **PUB)
    assert events
    loc = events[0]["location"]
    assert loc is not None and loc["country"] == country
    assert isinstance(loc["lat"], float) and isinstance(loc["iso"], int)
    if name is not None:
        assert loc["name_en"] == name


def test_country_only_gives_country_precision(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "off")
    events = extract_events("قتل خمسة جنود في هجوم شنه مسلحون على قاعدة عسكرية في النيجر.", **PUB)
    assert events
    loc = events[0]["location"]
    assert loc is not None and loc["country"] == "Niger" and loc["geo_precision"] == 3
