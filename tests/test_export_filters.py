"""``pipelines.export`` per report (``--per-report``): filters, ACLED columns
(publication, scale, notes, evidence, reviews), flat GeoJSON, article exports and the
command line, over a real archive. Merged-event rows (the default): test_export_merged.py."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_workbench_archive import build_archive

from pipelines.export import ACLED_COLUMNS, EventFilter, acled_notes, export, publications
from workbench.reviews import add_review

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def db(mongo_db):
    build_archive(mongo_db)
    return mongo_db


@pytest.fixture
def registry(tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text(
        "sources:\n"
        "  - {id: fx-a, name: جريدة ألف, source_scale: National}\n"
        "  - {id: fx-b, name: Agency B, source_scale: Subnational-National}\n",
        encoding="utf-8",
    )
    return str(path)


def _csv(db, flt=None, pubs_env=None) -> list[dict]:
    buf = io.StringIO()
    export(db, "acled-csv", buf, flt, per_report=True)
    return list(csv.DictReader(io.StringIO(buf.getvalue())))


@pytest.mark.parametrize(
    "values, check",
    [
        ({"source": "fx-b"}, lambda e: e["source"] == "fx-b"),
        ({"country": "Iraq"}, lambda e: e["location"]["country"] == "Iraq"),
        ({"admin1": "Idleb"}, lambda e: e["location"]["admin1"] == "Idleb"),
        ({"event_type": "Battles"}, lambda e: e["event_type"] == "Battles"),
        ({"event_type": "Battles,Protests"}, lambda e: e["event_type"] in ("Battles", "Protests")),
        ({"sub_event_type": "Air/drone strike"}, lambda e: e["sub_event_type"] == "Air/drone strike"),
        ({"since": "2024-03-10", "until": "2024-03-31"}, lambda e: "2024-03-10" <= e["date"] <= "2024-03-31"),
    ],
)
def test_each_filter_selects_exactly_the_matching_events(db, values, check):
    everything = list(db["events"].find())
    rows = _csv(db, EventFilter(**values))
    expected = {e["_id"] for e in everything if check(e)}
    assert expected and len(expected) < len(everything)
    assert {r["event_id_cnty"][3:] for r in rows} == expected


def test_min_confidence_keeps_exactly_the_events_at_or_above_it(db):
    everything = list(db["events"].find())
    levels = sorted({e["confidence"] for e in everything})
    assert len(levels) > 1, "the archive's events all have one confidence"
    threshold = levels[len(levels) // 2]
    rows = _csv(db, EventFilter(min_confidence=threshold))
    expected = {e["_id"] for e in everything if e["confidence"] >= threshold}
    assert expected and len(expected) < len(everything)
    assert {r["event_id_cnty"][3:] for r in rows} == expected


def test_actor_filter_matches_part_of_a_name_in_any_case(db):
    named = [e for e in db["events"].find() if (e.get("actor2") or {}).get("name")]
    assert named
    name = named[0]["actor2"]["name"]
    rows = _csv(db, EventFilter(actor=name.split()[0].upper()))
    assert named[0]["_id"] in {r["event_id_cnty"][3:] for r in rows}
    assert all(
        name.split()[0].lower()
        in (r["actor1"] + r["actor2"] + r["assoc_actor_1"] + r["assoc_actor_2"]).lower()
        for r in rows
    )


def test_bad_filter_values_are_refused():
    with pytest.raises(ValueError, match="--since"):
        EventFilter(since="March")
    with pytest.raises(ValueError, match="--min-confidence"):
        EventFilter(min_confidence=2)


def test_acled_columns_name_the_publication_its_scale_and_say_what_happened(db, registry, monkeypatch):
    monkeypatch.setenv("MARSAD_SOURCES", registry)
    publications.cache_clear()
    rows = _csv(db)
    assert list(rows[0])[: len(ACLED_COLUMNS)] == ACLED_COLUMNS
    a = [r for r in rows if r["source_id"] == "fx-a"]
    b = [r for r in rows if r["source_id"] == "fx-b"]
    assert a and all(r["source"].startswith("جريدة ألف") and r["source_scale"] == "National" for r in a)
    assert b and all(
        r["source"].startswith("Agency B") and r["source_scale"] == "Subnational-National" for r in b
    )
    for r in rows:
        ev = db["events"].find_one({"_id": r["event_id_cnty"][3:]})
        assert r["evidence"] == ev["evidence"]["text"] and r["evidence"] not in r["notes"]
        assert r["notes"].startswith("On ") and r["notes"].endswith(".")
        if ev["location"].get("name_en"):
            assert ev["location"]["name_en"] in r["notes"]
    publications.cache_clear()


def test_notes_sentence():
    ev = {
        "date": "2024-03-04",
        "sub_event_type": "Shelling/artillery/missile attack",
        "actor1": {"name": "Military Forces of Syria"},
        "actor2": {"name": "Civilians (Syria)"},
        "location": {"name_en": "Saraqib", "admin1": "Idleb", "country": "Syria"},
        "fatalities": 3,
    }
    assert acled_notes(ev) == (
        "On 4 March 2024, Military Forces of Syria shelled Civilians (Syria) in Saraqib "
        "(Idleb, Syria). 3 fatalities."
    )
    assert acled_notes({"sub_event_type": "Armed clash"}) == "Unidentified actors clashed."


def test_reviews_are_exported_beside_the_events(db):
    ev = db["events"].find_one({"event_type": "Battles"})
    add_review(db, ev["_id"], {"verdict": "corrected", "reviewer": "lina", "corrections": {"fatalities": 2}})
    rows = {r["event_id_cnty"][3:]: r for r in _csv(db)}
    assert rows[ev["_id"]]["review_verdict"] == "corrected"
    assert json.loads(rows[ev["_id"]]["review_corrections"]) == {"fatalities": 2}
    assert rows[ev["_id"]]["fatalities"] == str(ev["fatalities"] or 0)  # the extractor's value stays
    buf = io.StringIO()
    export(db, "jsonl", buf, per_report=True)
    lines = {x["_id"]: x for x in map(json.loads, buf.getvalue().splitlines())}
    assert [r["reviewer"] for r in lines[ev["_id"]]["reviews"]] == ["lina"]
    assert all(x["reviews"] == [] for k, x in lines.items() if k != ev["_id"])


def test_geojson_properties_are_flat_and_unlocated_events_only_when_asked(db):
    db["events"].update_one({}, {"$set": {"location.lat": None, "location.lon": None}})
    total = db["events"].count_documents({})
    buf = io.StringIO()
    n = export(db, "geojson", buf, per_report=True)
    fc = json.loads(buf.getvalue())
    assert n == len(fc["features"]) == total - 1
    for f in fc["features"]:
        assert f["geometry"]["type"] == "Point"
        assert all(not isinstance(v, (dict, list)) for v in f["properties"].values())
        assert {"country", "admin1", "event_type", "actor1", "fatalities", "evidence"} <= set(f["properties"])
    buf = io.StringIO()
    assert export(db, "geojson", buf, with_unlocated=True, per_report=True) == total
    assert sum(f["geometry"] is None for f in json.loads(buf.getvalue())["features"]) == 1


def test_article_exports(db):
    for fmt in ("articles-jsonl", "articles-csv"):
        buf = io.StringIO()
        n = export(db, fmt, buf, EventFilter(source="fx-a", since="2024-03-05"))
        text = buf.getvalue()
        rows = (
            [json.loads(x) for x in text.splitlines()]
            if fmt.endswith("jsonl")
            else list(csv.DictReader(io.StringIO(text)))
        )
        stored = list(db["articles"].find({"source": "fx-a"}))
        expected = [a for a in stored if a["published_local"][:10] >= "2024-03-05"]
        assert n == len(rows) == len(expected) > 0
        assert set(rows[0]) == {"url", "source", "title", "published", "text", "event_count"}
        by_url = {a["url"]: a for a in expected}
        for r in rows:
            assert (
                r["text"] == by_url[r["url"]]["text"]
                and int(r["event_count"]) == by_url[r["url"]]["event_count"]
            )


def test_command_line(db, mongo_server, tmp_path):
    env = dict(os.environ, MONGO_URI=mongo_server, MONGO_DATABASE=db.name)
    out = tmp_path / "e.geojson"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipelines.export",
            "--format",
            "geojson",
            "--per-report",
            "--country",
            "Syria",
            "--event-type",
            "Explosions/Remote violence",
            "--output",
            str(out),
        ],
        capture_output=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr.decode()
    features = json.loads(out.read_text(encoding="utf-8"))["features"]
    expected = db["events"].count_documents(
        {"location.country": "Syria", "event_type": "Explosions/Remote violence"}
    )
    assert len(features) == expected > 0
    bad = subprocess.run(
        [sys.executable, "-m", "pipelines.export", "--format", "articles-csv", "--country", "Syria"],
        capture_output=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )
    assert bad.returncode == 2 and b"article exports" in bad.stderr


def test_a_source_the_registry_does_not_know_is_named_by_its_site(db, tmp_path, monkeypatch):
    empty = tmp_path / "none.yaml"
    empty.write_text("sources: []\n", encoding="utf-8")
    monkeypatch.setenv("MARSAD_SOURCES", str(empty))
    publications.cache_clear()
    db["articles"].update_many({"source": "fx-b"}, {"$set": {"sitename": "وكالة باء"}})
    rows = _csv(db)
    assert {r["source"].split(";")[0] for r in rows if r["source_id"] == "fx-b"} == {"وكالة باء"}
    assert {r["source"].split(";")[0] for r in rows if r["source_id"] == "fx-a"} == {"fx-a"}
    publications.cache_clear()
