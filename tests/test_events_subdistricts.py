"""Syria's sub-districts (nawahi): the data file, «ناحية X» in text, admin3 on events and in exports."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from pipelines.events import extract_events
from pipelines.events.lexicon import gazetteer
from pipelines.events.places import find_places
from pipelines.events.subdistricts import FILE, _km, read_subdistricts
from pipelines.events.text import build_doc
from pipelines.export import write_events

GOLD = Path(__file__).parent / "gold" / "events"
# Syria's extent with a small margin (the occupied Golan included).
LAT, LON = (32.2, 37.4), (35.5, 42.5)


@pytest.fixture(scope="module")
def nawahi() -> list[dict]:
    return read_subdistricts()


@pytest.fixture(scope="module")
def syria() -> list[dict]:
    return [r for r in gazetteer() if r["country"] == "Syria"]


def test_file_loads_every_row(nawahi):
    with open(FILE, encoding="utf-8") as fh:
        data_lines = [line for line in fh if line.strip() and not line.startswith("#")]
    assert len(nawahi) == len(data_lines) - 1 >= 200     # every row parsed, header excluded
    names = [(n["admin2"], n["name_en"]) for n in nawahi]
    assert len(names) == len(set(names))
    for n in nawahi:
        assert n["names_ar"].split("|")[0] == "ناحية " + n["seat_ar"]
        assert n["coord_from"] == "approximate" or n["coord_from"].split(":")[0] in (
            "gazetteer_hand", "gazetteer_geonames")


def test_admin_names_exist_in_gazetteer(nawahi, syria):
    admin1 = {r["admin1"] for r in syria if r["kind"] == "admin1"}
    pairs = set()
    with open(FILE.with_name("gazetteer_geonames.csv"), encoding="utf-8") as fh:
        for r in csv.DictReader(line for line in fh if not line.startswith("#")):
            if r["country"] == "Syria" and r["kind"] == "admin2":    # rows without coordinates too
                pairs.add((r["admin1"], r["admin2"]))
    assert len(admin1) == 14
    for n in nawahi:
        assert n["admin1"] in admin1, n
        assert (n["admin1"], n["admin2"]) in pairs, n


def test_every_governorate_has_nawahi(nawahi, syria):
    admin1 = {r["admin1"] for r in syria if r["kind"] == "admin1"}
    assert {n["admin1"] for n in nawahi} == admin1


def test_coordinates_in_syria_and_near_district_seat(nawahi, syria):
    district = {(r["admin1"], r["admin2"]): r for r in syria if r["kind"] == "admin2"}
    governorate = {r["admin1"]: r for r in syria if r["kind"] == "admin1"}
    far = []
    for n in nawahi:
        assert LAT[0] <= n["lat"] <= LAT[1] and LON[0] <= n["lon"] <= LON[1], n
        # Districts without coordinates of their own are measured from the governorate centre.
        seat = district.get((n["admin1"], n["admin2"])) or governorate[n["admin1"]]
        d = _km(n["lat"], n["lon"], seat["lat"], seat["lon"])
        assert d <= 90, (n["name_en"], n["admin2"], round(d))    # desert districts are wide
        far += [n["name_en"]] if d > 60 else []
    assert len(far) <= len(nawahi) // 20, far


def test_copied_coordinates_match_their_source(nawahi, syria):
    by_name = {}
    for r in syria:
        by_name.setdefault(r["name_en"], []).append(r)
    for n in nawahi:
        if n["coord_from"] == "approximate":
            continue
        src = by_name[n["coord_from"].split(":", 1)[1]]
        assert any(_km(n["lat"], n["lon"], r["lat"], r["lon"]) < 0.1 for r in src), n


def test_seats_get_admin3_and_nahiya_district(nawahi, syria):
    seats = {n["name_en"]: n for n in nawahi if n["coord_from"] != "approximate"}
    places = [r for r in syria if r["kind"] == "place" and r["admin3"]]
    assert len({r["admin3"] for r in places}) >= len(seats) * 0.9
    for r in places:
        n = seats[r["admin3"]]
        assert (r["admin1"], r["admin2"]) == (n["admin1"], n["admin2"]), r
        assert _km(r["lat"], r["lon"], n["lat"], n["lon"]) <= 12


@pytest.mark.parametrize("text,nahiya", [
    ("قصفت طائرات حربية ناحية التمانعة في ريف إدلب الجنوبي، ما أدى إلى مقتل ثلاثة مدنيين.", "Al-Tamanah"),
    ("سقطت قذائف مدفعية على ناحية تل الضمان جنوب حلب وأصيب طفلان.", "Tall al-Daman"),
    ("اندلعت اشتباكات عنيفة في ناحية الجوادية بين قوات سوريا الديمقراطية وعناصر تنظيم الدولة.", "Al-Jawadiyah"),
])
def test_nahiya_in_a_sentence(nawahi, text, nahiya):
    row = next(n for n in nawahi if n["name_en"] == nahiya)
    events = extract_events(text, published="2019-05-02T12:00:00+03:00", timezone="Asia/Damascus")
    assert events
    loc = events[0]["location"]
    assert loc["admin3"] == nahiya and loc["surface"].startswith("ناحية")
    assert (loc["admin1"], loc["admin2"]) == (row["admin1"], row["admin2"])
    assert (loc["lat"], loc["lon"]) == (row["lat"], row["lon"]) and loc["geo_precision"] == 2


def test_ordinary_words_do_not_become_nawahi():
    # «من ناحية أخرى» is "on the other hand"; «الكرامة» and «الثورة» are seats named by common words.
    text = "من ناحية أخرى، طالب المحتجون بالكرامة وتحدثوا عن الثورة والمزرعة والجلاء."
    doc = build_doc(text)
    assert [p for p in find_places(doc, set()) if p.rows[0]["kind"] == "subdistrict"] == []


def test_seed_events_carry_admin3_at_nahiya_seats(nawahi):
    text = (GOLD / "seed_jisr_al_shughur.txt").read_text(encoding="utf-8")
    events = extract_events(text, published="2015-05-22T14:00:00+03:00", timezone="Asia/Damascus")
    seats = {(n["admin1"], n["seat_en"]): n["name_en"] for n in nawahi}
    located = [e for e in events if e["location"] and e["location"]["country"] == "Syria"]
    at_seat = [e for e in located if e["location"]["admin3"]]
    assert any(e["location"]["name_en"] == "Jisr al-Shughur" for e in at_seat)
    for e in located:
        loc = e["location"]
        expected = seats.get((loc["admin1"], loc["name_en"]))
        if expected is not None:
            assert loc["admin3"] == expected, loc


def test_acled_csv_fills_admin3():
    text = "قتل أربعة مدنيين بقصف مدفعي لقوات النظام على مدينة جسر الشغور أمس."
    events = extract_events(text, published="2015-05-22T14:00:00+03:00", timezone="Asia/Damascus")
    assert events and events[0]["location"]["admin3"] == "Jisr al-Shughur"
    out = io.StringIO()
    assert write_events(iter(events), "acled-csv", out) == len(events)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert rows[0]["admin3"] == "Jisr al-Shughur" and rows[0]["admin2"] == "Jisr al-Shughur"
    geo = io.StringIO()
    write_events(iter(events), "geojson", geo)
    assert '"admin3": "Jisr al-Shughur"' in geo.getvalue()
