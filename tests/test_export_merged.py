"""``pipelines.export`` by default: one row per merged event (``incidents``), over the
outlets fixture set stored and merged as a crawl does (the current event extractor).
``source`` lists the publications, ``source_scale`` follows from the registry's
``source_scale``; the filters apply to merged rows as README states; events in no merged
event yet come as events of one report; ``--per-report`` gives one row per stored report."""
from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from fixturesite.outlets import outlet_articles, outlets
from pipelines.export import (
    ACLED_COLUMNS,
    INCIDENT_CSV_COLUMNS,
    EventFilter,
    actor_names,
    export,
    incident_scale,
    publications,
)
from pipelines.incidents.evaluate import run_batches

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def archive(mongo_client):
    db = mongo_client[f"merged_export_{uuid.uuid4().hex[:8]}"]
    arts = outlet_articles()
    for a in arts:
        a["url"] = f"http://{a['outlet']}.fixture.test/{a['id']}/"
    arts.sort(key=lambda a: (a["published"], a["id"]))
    run_batches(db, arts, batch_size=10)
    yield db
    mongo_client.drop_database(db.name)


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    path = tmp_path_factory.mktemp("merged-registry") / "sources.yaml"
    lines = ["sources:"] + [f"  - {{id: {o['id']}, name: {o['name']}, source_scale: {o['scale']}}}"
                            for o in outlets()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


@pytest.fixture
def pubs_env(registry, monkeypatch):
    monkeypatch.setenv("MARSAD_SOURCES", registry)
    publications.cache_clear()
    yield publications(registry)
    publications.cache_clear()


def _rows(db, flt=None, **kw) -> list[dict]:
    buf = io.StringIO()
    n = export(db, "acled-csv", buf, flt, **kw)
    rows = list(csv.DictReader(io.StringIO(buf.getvalue())))
    assert n == len(rows)
    return rows


def test_default_export_has_one_row_per_merged_event(archive, pubs_env):
    incidents = {i["_id"]: i for i in archive["incidents"].find()}
    rows = _rows(archive)
    assert list(rows[0]) == INCIDENT_CSV_COLUMNS and list(rows[0])[: len(ACLED_COLUMNS)] == ACLED_COLUMNS
    assert {r["incident_id"] for r in rows} == set(incidents) and len(rows) == len(incidents)
    assert len(rows) < archive["events"].count_documents({})
    names = {o["id"]: o["name"] for o in outlets()}
    for r in rows:
        inc = incidents[r["incident_id"]]
        # every publication behind the event, by name, then the organisations they cite
        listed, k = r["source"].split("; "), len(inc["sources"])
        assert set(listed[:k]) == {names[s] for s in inc["sources"]}
        assert listed[k:] == [a for a in inc["attributed_sources"] if a not in listed[:k]]
        assert r["source_scale"] == incident_scale(inc["sources"], pubs_env)
        assert int(r["report_count"]) == len(inc["reports"]) and r["source_ids"].split("; ") == inc["sources"]
        assert float(r["merge_confidence"]) == inc["merge_confidence"]
        assert r["event_date"] == inc["date"] and int(r["fatalities"]) == inc["fatalities"]
        assert set(r["article_urls"].split()) == set(inc["article_urls"])
    several = [r for r in rows if int(r["source_count"]) >= 3]
    assert several and all("-" in r["source_scale"] for r in several)  # the outlets' scales differ


def test_per_report_gives_one_row_per_stored_event(archive, pubs_env):
    rows = _rows(archive, per_report=True)
    assert {r["event_id_cnty"][3:] for r in rows} == {e["_id"] for e in archive["events"].find()}
    assert "review_verdict" in rows[0] and "incident_id" not in rows[0]
    scale = {o["id"]: o["scale"] for o in outlets()}
    assert all(r["source_scale"] == scale[r["source_id"]] for r in rows)


def _merged_actor_names(inc) -> str:
    return "\n".join(actor_names(inc)).lower()


FILTERS = [
    ({"source": "fx-halab"}, lambda i: "fx-halab" in {r["source"] for r in i["reports"]}),
    ({"source": "fx-halab,fx-furat"}, lambda i: bool({"fx-halab", "fx-furat"} & set(i["sources"]))),
    ({"admin1": "Idleb"}, lambda i: (i["location"] or {}).get("admin1") == "Idleb"),
    ({"country": "Syria", "admin1": "Aleppo,Homs"},
     lambda i: (i["location"] or {}).get("country") == "Syria" and i["location"].get("admin1") in ("Aleppo", "Homs")),
    ({"event_type": "Battles"}, lambda i: i["event_type"] == "Battles"),
    ({"sub_event_type": "Air/drone strike"}, lambda i: i["sub_event_type"] == "Air/drone strike"),
    ({"since": "2015-06-20", "until": "2015-07-05"}, lambda i: "2015-06-20" <= i["date"] <= "2015-07-05"),
    ({"min_confidence": 0.8}, lambda i: max(r["confidence"] for r in i["reports"]) >= 0.8),
    ({"actor": "MILITARY FORCES"}, lambda i: "military forces" in _merged_actor_names(i)),
]


@pytest.mark.parametrize("values, check", FILTERS)
def test_filters_apply_to_merged_rows(archive, values, check):
    everything = list(archive["incidents"].find())
    expected = {i["_id"] for i in everything if check(i)}
    assert expected and len(expected) < len(everything), values
    assert {r["incident_id"] for r in _rows(archive, EventFilter(**values))} == expected


def test_a_merged_event_matching_by_one_report_lists_all_its_sources(archive):
    rows = _rows(archive, EventFilter(source="fx-halab"))
    shared = [r for r in rows if int(r["source_count"]) > 1]
    assert shared and all("fx-halab" in r["source_ids"].split("; ") for r in shared)
    assert any(set(r["source_ids"].split("; ")) - {"fx-halab"} for r in shared)


def test_events_in_no_merged_event_come_as_events_of_one_report(archive):
    inc = archive["incidents"].find_one({"report_count": {"$gte": 2}})
    archive["incidents"].delete_one({"_id": inc["_id"]})
    try:
        rows = _rows(archive)
        assert len(rows) == archive["incidents"].count_documents({}) + len(inc["reports"])
        singles = [r for r in rows if r["incident_id"] in {f"ev-{x}" for x in inc["report_ids"]}]
        assert len(singles) == len(inc["reports"]) and all(r["report_count"] == "1" for r in singles)
        assert {r["article_urls"] for r in singles} == {r["article_url"] for r in inc["reports"]}
        # a filter selects them as it selects their reports
        src = inc["reports"][0]["source"]
        picked = _rows(archive, EventFilter(source=src))
        assert f"ev-{inc['reports'][0]['event_id']}" in {r["incident_id"] for r in picked}
    finally:
        archive["incidents"].insert_one(inc)


def test_geojson_per_merged_event_has_the_reports_and_unlocated_only_when_asked(archive):
    everything = list(archive["incidents"].find())
    located = [i for i in everything if (i.get("location") or {}).get("lat") is not None]
    buf = io.StringIO()
    n = export(archive, "geojson", buf)
    features = json.loads(buf.getvalue())["features"]
    assert n == len(features) == len(located)
    by_id = {i["_id"]: i for i in everything}
    for f in features:
        inc = by_id[f["id"]]
        assert f["geometry"]["coordinates"] == [inc["location"]["lon"], inc["location"]["lat"]]
        assert f["properties"]["report_count"] == len(inc["reports"]) == len(f["properties"]["reports"])
        assert [r["article_url"] for r in f["properties"]["reports"]] == [r["article_url"] for r in inc["reports"]]
        assert {"source", "source_scale", "merge_confidence", "evidence"} <= set(f["properties"])
    buf = io.StringIO()
    assert export(archive, "geojson", buf, with_unlocated=True) == len(everything)


def test_command_line_default_and_per_report(archive, mongo_server, registry, tmp_path):
    env = dict(os.environ, MONGO_URI=mongo_server, MONGO_DATABASE=archive.name, MARSAD_SOURCES=registry)

    def run(*args):
        return subprocess.run([sys.executable, "-m", "pipelines.export", "--format", "acled-csv", *args],
                              capture_output=True, cwd=ROOT, env=env, timeout=120)

    merged = run("--admin1", "Idleb")
    assert merged.returncode == 0, merged.stderr.decode()
    rows = list(csv.DictReader(io.StringIO(merged.stdout.decode("utf-8"))))
    assert {r["incident_id"] for r in rows} == {
        i["_id"] for i in archive["incidents"].find({"location.admin1": "Idleb"})}
    assert b"merged events written" in merged.stderr
    per = run("--admin1", "Idleb", "--per-report")
    assert per.returncode == 0, per.stderr.decode()
    prows = list(csv.DictReader(io.StringIO(per.stdout.decode("utf-8"))))
    assert len(prows) == archive["events"].count_documents({"location.admin1": "Idleb"}) > len(rows)
    bad = subprocess.run([sys.executable, "-m", "pipelines.export", "--format", "articles-csv", "--per-report"],
                         capture_output=True, cwd=ROOT, env=env, timeout=120)
    assert bad.returncode == 2 and b"--per-report" in bad.stderr
