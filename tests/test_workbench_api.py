"""The workbench's HTTP API over a real archive: filters agree with the export's database
query, reviews are protected against cross-site requests and never touch the events,
crawled strings are served as data under a strict Content-Security-Policy."""

from __future__ import annotations

import csv
import http.client
import io
import json
import threading
from urllib.parse import quote

import pytest
from test_workbench_archive import HOSTILE_TITLE, build_archive

from pipelines.export import EventFilter
from workbench.basemap import BaseMap
from workbench.server import Workbench, make_server


@pytest.fixture
def served(mongo_db):
    events = build_archive(mongo_db)
    app = Workbench(mongo_db)
    server = make_server(app, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, server.server_address[1], events
    server.shutdown()
    server.server_close()


def request(port, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request(method, path, body=body, headers=headers or {})
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp, data


@pytest.mark.parametrize(
    "values",
    [
        {},
        {"event_type": "Explosions/Remote violence"},
        {"country": "Syria"},
        {"admin1": "Idleb"},
        {"since": "2024-03-05", "until": "2024-03-20"},
        {"source": "fx-b"},
        {"min_confidence": "0.9"},
        {"country": "Syria", "event_type": "Battles"},
        {"actor": "civilians"},
    ],
)
def test_index_selects_what_the_database_query_selects(served, values):
    app, _, _ = served
    flt = EventFilter.from_mapping(values)
    ids = {r.id for r in app.index.select(flt)}
    assert ids == {e["_id"] for e in app.db["events"].find(flt.query(), {"_id": 1})}


def test_view_counts_and_timeline_ignores_the_period(served):
    app, port, events = served
    resp, data = request(port, "GET", "/api/view?zoom=5")
    view = json.loads(data)
    assert resp.status == 200 and view["count"] == len(events)
    assert sum(c["n"] for c in view["clusters"]) == len([e for e in events if e["geo"]])
    resp, data = request(port, "GET", "/api/view?since=2024-03-10&bucket=day")
    part = json.loads(data)
    assert part["count"] == len([e for e in events if e["date"] >= "2024-03-10"]) < view["count"]
    assert sum(sum(t.values()) for _, t in part["timeline"]) == len(events)


def test_pages_are_served_with_a_strict_policy_and_escaped_json(served):
    app, port, events = served
    resp, data = request(port, "GET", "/")
    csp = resp.getheader("Content-Security-Policy")
    assert resp.status == 200 and "script-src 'self'" in csp and "default-src 'none'" in csp
    hostile = next(e for e in events if e["article_title"] == HOSTILE_TITLE)
    resp, data = request(port, "GET", f"/api/event?id={hostile['_id']}")
    assert resp.status == 200 and b"<script" not in data and b"<img" not in data
    assert json.loads(data)["event"]["article_title"] == HOSTILE_TITLE
    resp, _ = request(port, "GET", "/api/meta", headers={"Host": "evil.example:80"})
    assert resp.status == 421


def _review(port, event_id, headers, body=None):
    payload = body or json.dumps(
        {
            "event_id": event_id,
            "verdict": "corrected",
            "reviewer": "rana",
            "corrections": {"fatalities": 4, "event_type": "Battles"},
        }
    )
    return request(port, "POST", "/api/review", payload, headers)


def test_reviews_need_the_token_and_refuse_cross_site_requests(served):
    app, port, events = served
    ev = events[0]
    ok_headers = {"Content-Type": "application/json", "X-Marsad-Token": app.token}
    assert _review(port, ev["_id"], {"Content-Type": "application/json"})[0].status == 403
    assert _review(port, ev["_id"], {**ok_headers, "Origin": "http://evil.example"})[0].status == 403
    assert _review(port, ev["_id"], {**ok_headers, "Sec-Fetch-Site": "cross-site"})[0].status == 403
    form = {"Content-Type": "application/x-www-form-urlencoded", "X-Marsad-Token": app.token}
    assert _review(port, ev["_id"], form)[0].status == 415
    assert app.db["event_reviews"].count_documents({}) == 0
    resp, data = _review(port, ev["_id"], {**ok_headers, "Origin": f"http://127.0.0.1:{port}"})
    assert resp.status == 201, data
    stored = app.db["event_reviews"].find_one({"event_id": ev["_id"]})
    assert (
        stored["corrections"] == {"fatalities": 4, "event_type": "Battles"} and stored["reviewer"] == "rana"
    )
    assert stored["was"]["fatalities"] == ev["fatalities"]
    after = app.db["events"].find_one({"_id": ev["_id"]})
    assert after["fatalities"] == ev["fatalities"] and after["event_type"] == ev["event_type"]
    bad = json.dumps(
        {"event_id": ev["_id"], "verdict": "corrected", "reviewer": "rana", "corrections": {"fatalities": -2}}
    )
    assert _review(port, ev["_id"], ok_headers, bad)[0].status == 400


def test_export_of_the_current_filter_carries_reviews(served):
    app, port, events = served
    ev = next(e for e in events if e["event_type"] == "Battles")
    headers = {"Content-Type": "application/json", "X-Marsad-Token": app.token}
    body = json.dumps({"event_id": ev["_id"], "verdict": "wrong", "reviewer": "sami"})
    assert request(port, "POST", "/api/review", body, headers)[0].status == 201
    resp, data = request(port, "GET", "/export?format=acled-csv&event_type=Battles&per_report=1")
    rows = list(csv.DictReader(io.StringIO(data.decode())))
    assert resp.status == 200 and "attachment" in resp.getheader("Content-Disposition")
    assert rows and all(r["event_type"] == "Battles" for r in rows)
    mine = next(r for r in rows if r["event_id_cnty"].endswith(ev["_id"]))
    assert mine["review_verdict"] == "wrong" and mine["reviewed_by"] == "sami"


def test_article_search_folds_spelling_variants(served):
    app, port, _ = served
    # «إدلب» stored; searched without hamza, with a diacritic and a tatweel; «غارة» as «غاره»
    for query, expect in (("ادلـب", "قصف مدفعي"), ("غاره جوّية", "غارة جوية"), ("بالحسكة", None)):
        resp, data = request(port, "GET", "/api/articles?q=" + quote(query))
        found = json.loads(data)["articles"]
        if expect is None:
            assert found == []
        else:
            assert any(expect in (a["title"] or "") for a in found), (query, found)


def test_article_list_by_source_and_date(served):
    app, port, _ = served
    resp, data = request(port, "GET", "/api/articles?source=fx-a&since=2024-03-05&until=2024-03-31")
    listed = json.loads(data)["articles"]
    expected = [
        a
        for a in app.db["articles"].find({"source": "fx-a"})
        if "2024-03-05" <= a["published_local"][:10] <= "2024-03-31"
    ]
    assert resp.status == 200 and len(listed) == len(expected) > 0
    resp, data = request(port, "GET", "/api/articles?q=" + quote("مدينة") + "&since=2024-03-20")
    assert {a["title"] for a in json.loads(data)["articles"]} == {
        "غارة جوية على حلب",
        "انفجار عبوة ناسفة في درعا",
    }
    assert request(port, "GET", "/api/articles?since=March")[0].status == 400


def test_an_optional_tile_server_is_the_only_other_host_allowed(mongo_db):
    app = Workbench(mongo_db, tile_url="https://tiles.example.org/{z}/{x}/{y}.png")
    server = make_server(app, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        resp, data = request(server.server_address[1], "GET", "/api/meta")
    finally:
        server.shutdown()
        server.server_close()
    csp = resp.getheader("Content-Security-Policy")
    assert "img-src 'self' data: https://tiles.example.org;" in csp and "script-src 'self';" in csp
    assert json.loads(data)["tile_url"] == "https://tiles.example.org/{z}/{x}/{y}.png"


def test_the_server_answers_to_its_own_names_only(mongo_db):
    server = make_server(Workbench(mongo_db), "127.0.0.1", 0, allow_hosts=("marsad.lan",))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    try:
        status = {
            h: request(port, "GET", "/api/meta", headers={"Host": f"{h}:{port}"})[0].status
            for h in ("localhost", "marsad.lan", "attacker.example")
        }
    finally:
        server.shutdown()
        server.server_close()
    assert status == {"localhost": 200, "marsad.lan": 200, "attacker.example": 421}


def test_the_index_follows_the_archive(mongo_db):
    events = build_archive(mongo_db)
    app = Workbench(mongo_db)
    app.index.refresh_seconds = 0
    assert app.index.view(EventFilter())["count"] == len(events)
    extra = {**events[0], "_id": "ffffffffffffffff-000", "event_type": "Riots", "date": "2024-05-01"}
    mongo_db["events"].insert_one(extra)
    view = app.index.view(EventFilter())
    assert view["count"] == len(events) + 1 and view["by_type"]["Riots"] == 1
    assert "Riots" in app.meta()["event_types"]


@pytest.mark.skipif(not BaseMap().available, reason="needs Debian's qgis-common (the base map file)")
def test_base_map_is_served_by_the_app(served):
    _, port, _ = served
    resp, data = request(port, "GET", "/basemap/countries.json")
    countries = json.loads(data)
    assert resp.status == 200 and "Natural Earth" in countries["licence"]
    syria = next(f for f in countries["features"] if f["iso"] == "SY")
    lons, lats = syria["rings"][0][0::2], syria["rings"][0][1::2]
    assert 3500 < min(lons) < max(lons) < 4300 and 3200 < min(lats) < max(lats) < 3800  # 1/100 degree
    resp, data = request(port, "GET", "/basemap/admin1.json?iso=SY,IQ")
    names = {f["name"] for f in json.loads(data)["features"]}
    assert len(names) >= 14 + 18 - 2 and any("Aleppo" in n or "Halab" in n for n in names)
