"""The workbench's merged events over HTTP: a merged event with all its reports side by
side (each report's article, source, time, evidence and own fields, the merged fields and
the merge confidence), the link from an event to its merged event, the list of merged
events under the filters, the export per merged event or per report, and crawled strings
served as data only. The archive: the outlets fixture set stored and merged as a crawl
does (the current event extractor), one article with a hostile title."""

from __future__ import annotations

import csv
import io
import json
import threading
import uuid

import pytest
from test_workbench_api import request
from test_workbench_archive import HOSTILE_TITLE

from fixturesite.outlets import outlet_articles
from pipelines.export import EventFilter
from pipelines.incidents.evaluate import run_batches
from workbench.server import Workbench, make_server

HOSTILE_ARTICLE = "e07-halab"


def build_merged_archive(db) -> None:
    """The outlets fixture set, merged; one article's title is markup that must never run."""
    arts = outlet_articles()
    for a in arts:
        a["url"] = f"http://{a['outlet']}.fixture.test/{a['id']}/"
        if a["id"] == HOSTILE_ARTICLE:
            a["title"] = HOSTILE_TITLE
    arts.sort(key=lambda a: (a["published"], a["id"]))
    run_batches(db, arts, batch_size=10)


@pytest.fixture(scope="module")
def served(mongo_client):
    db = mongo_client[f"wb_incidents_{uuid.uuid4().hex[:8]}"]
    build_merged_archive(db)
    app = Workbench(db)
    server = make_server(app, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield app, server.server_address[1]
    server.shutdown()
    server.server_close()
    mongo_client.drop_database(db.name)


def _get(port, path):
    resp, data = request(port, "GET", path)
    return resp, json.loads(data) if resp.getheader("Content-Type", "").startswith("application/json") else data


def test_a_merged_event_shows_every_report_side_by_side(served):
    app, port = served
    inc = max(app.db["incidents"].find(), key=lambda i: (i["report_count"], i["_id"]))
    assert inc["report_count"] >= 3
    resp, data = _get(port, f"/api/incident?id={inc['_id']}")
    assert resp.status == 200
    merged = data["incident"]
    for key in ("date", "sub_event_type", "fatalities", "fatalities_rule", "merge_confidence", "source_count"):
        assert merged[key] == inc[key], key
    assert merged["location"]["name_en"] == inc["location"]["name_en"]
    assert merged["source_list"].split("; ")[: inc["source_count"]]  # the publications, named
    assert [r["event_id"] for r in data["reports"]] == inc["report_ids"]
    for r in data["reports"]:
        ev = app.db["events"].find_one({"_id": r["event_id"]})
        art = app.db["articles"].find_one({"url": ev["article_url"]})
        # the report's own fields, as the extractor stored them, beside its article
        assert r["date"] == ev["date"] and r["fatalities"] == (ev.get("fatalities") or 0)
        assert (r["location"] or {}).get("name_en") == (ev.get("location") or {}).get("name_en")
        assert (r["actor1"] or {}).get("name") == (ev.get("actor1") or {}).get("name")
        assert r["source"] == ev["source"] and r["report_time"].startswith(ev["article_published"].date().isoformat())
        assert r["article"]["title"] == art["title"] and r["article"]["url"] == art["url"]
        assert r["evidence"]["text"] == ev["evidence"]["text"] and r["evidence"]["text"] in r["article"]["text"]
        assert 0 < r["agreement"] <= 1 and r["event_exists"]


def test_an_event_links_to_its_merged_event(served):
    app, port = served
    for inc in app.db["incidents"].find({"report_count": {"$gte": 2}}).limit(5):
        for event_id in inc["report_ids"]:
            _, data = _get(port, f"/api/event?id={event_id}")
            assert data["incident"]["id"] == inc["_id"]
            assert data["incident"]["report_count"] == inc["report_count"]


def test_an_event_in_no_merged_event_stands_for_one(served):
    app, port = served
    inc = app.db["incidents"].find_one({"report_count": 1})
    event_id = inc["report_ids"][0]
    app.db["incidents"].delete_one({"_id": inc["_id"]})
    try:
        _, data = _get(port, f"/api/event?id={event_id}")
        assert data["incident"]["id"] == f"ev-{event_id}" and data["incident"]["report_count"] == 1
        resp, one = _get(port, f"/api/incident?id=ev-{event_id}")
        assert resp.status == 200 and [r["event_id"] for r in one["reports"]] == [event_id]
        assert one["incident"]["merge_confidence"] == 1.0 and one["reports"][0]["agreement"] is None
    finally:
        app.db["incidents"].insert_one(inc)
    # once merged again, that id names nothing (the event's merged event has its own id)
    assert _get(port, f"/api/incident?id=ev-{event_id}")[0].status == 404


@pytest.mark.parametrize("values", [{}, {"source": "fx-halab"}, {"admin1": "Idleb"},
                                    {"event_type": "Battles"}, {"since": "2015-07-01"}, {"min_confidence": "0.8"}])
def test_the_merged_list_follows_the_filters(served, values):
    app, port = served
    q = "&".join(f"{k}={v}" for k, v in values.items())
    _, data = _get(port, f"/api/incidents?{q}")
    expected = [i["_id"] for i in app.db["incidents"].find(EventFilter.from_mapping(values).incident_query())]
    assert data["count"] == len(expected) > 0
    assert {m["id"] for m in data["incidents"]} == set(expected)
    dates = [m["date"] for m in data["incidents"]]
    assert dates == sorted(dates, reverse=True)  # newest first
    if "source" in values:
        assert all(values["source"] in m["sources"] for m in data["incidents"])


def test_unknown_and_malformed_ids_are_refused(served):
    _, port = served
    for path in ("/api/incident?id=ev-0123456789abcdef", "/api/incident?id=nothing",
                 "/api/incident?id=ev-0123456789abcdef-000%27%3B", "/api/incident"):
        resp, data = _get(port, path)
        assert resp.status == 404 and "error" in data, path


def test_crawled_markup_is_served_as_data(served):
    app, port = served
    ev = app.db["events"].find_one({"article_url": {"$regex": HOSTILE_ARTICLE}})
    inc = app.db["incidents"].find_one({"report_ids": ev["_id"]})
    resp, raw = request(port, "GET", f"/api/incident?id={inc['_id']}")
    assert b"<img" not in raw and b"<script" not in raw  # "<" is escaped in every JSON body
    assert "default-src 'none'" in resp.getheader("Content-Security-Policy")
    titles = [r["article"]["title"] for r in json.loads(raw)["reports"]]
    assert HOSTILE_TITLE in titles


def test_the_export_is_per_merged_event_or_per_report(served):
    app, port = served
    resp, data = request(port, "GET", "/export?format=acled-csv&admin1=Idleb")
    rows = list(csv.DictReader(io.StringIO(data.decode())))
    assert resp.status == 200 and "merged" in resp.getheader("Content-Disposition")
    assert {r["incident_id"] for r in rows} == {
        i["_id"] for i in app.db["incidents"].find({"location.admin1": "Idleb"})}
    resp, data = request(port, "GET", "/export?format=acled-csv&admin1=Idleb&per_report=1")
    rows = list(csv.DictReader(io.StringIO(data.decode())))
    assert {r["event_id_cnty"][3:] for r in rows} == {
        e["_id"] for e in app.db["events"].find({"location.admin1": "Idleb"})}


def test_reports_name_their_outlet_by_the_site_name_when_no_registry_names_it(served, tmp_path, monkeypatch):
    from pipelines.export import publications

    app, port = served
    empty = tmp_path / "none.yaml"
    empty.write_text("sources: []\n", encoding="utf-8")
    monkeypatch.setenv("MARSAD_SOURCES", str(empty))
    publications.cache_clear()
    inc = app.db["incidents"].find_one({"sources": "fx-furat", "report_count": {"$gte": 2}})
    app.db["articles"].update_many({"source": "fx-furat"}, {"$set": {"sitename": "الفرات بوست"}})
    try:
        _, data = _get(port, f"/api/incident?id={inc['_id']}")
        names = {r["source"]: r["source_name"] for r in data["reports"]}
        assert names["fx-furat"] == "الفرات بوست"
        assert all(v == k for k, v in names.items() if k != "fx-furat")   # no name known: the id
    finally:
        app.db["articles"].update_many({"source": "fx-furat"}, {"$unset": {"sitename": ""}})
        publications.cache_clear()
