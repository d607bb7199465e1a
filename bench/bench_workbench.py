"""Workbench speed with a large archive: builds N events (default 100,000) in a fresh
embedded store, serves the workbench on a free port and times, over HTTP, the first view
and a series of filter changes, an event page and an article search.

    python bench/bench_workbench.py [--events 100000] [--data-dir DIR]

The events are synthetic but shaped like the extractor's (places, admin1 and coordinates
from the gazetteer, ACLED event types, dates over three years); each article carries five.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import http.client
import json
import random
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipelines.events.store import ensure_event_indexes, event_documents  # noqa: E402
from pipelines.storage import build_document, ensure_indexes, open_database  # noqa: E402
from workbench.server import Workbench, make_server  # noqa: E402

TYPES = {
    "Battles": ["Armed clash"],
    "Explosions/Remote violence": [
        "Air/drone strike",
        "Shelling/artillery/missile attack",
        "Remote explosive/landmine/IED",
    ],
    "Violence against civilians": ["Attack", "Abduction/forced disappearance"],
    "Protests": ["Peaceful protest"],
    "Riots": ["Mob violence"],
    "Strategic developments": ["Agreement", "Arrests"],
}
ACTORS = [
    "Military Forces of Syria",
    "Islamic State",
    "Hayat Tahrir al-Sham",
    "Civilians (Syria)",
    "Protesters (Iraq)",
    "Police Forces of Iraq",
    "Houthi Movement",
    "Unidentified Armed Group (Syria)",
]
WORDS = (
    "قصف اشتباك غارة مدينة ريف قوات مدنيين قتلى جرحى مظاهرة احتجاج انفجار عبوة طائرة مسيرة حي بلدة".split()
)


def places() -> list[dict]:
    path = ROOT / "pipelines" / "events" / "data" / "gazetteer_geonames.csv"
    with open(path, encoding="utf-8") as fh:
        rows = list(csv.DictReader(line for line in fh if not line.startswith("#")))
    return [r for r in rows if r["lat"] and r["lon"] and r["admin1"]]


def build(db, n_events: int, seed: int = 7) -> None:
    rnd = random.Random(seed)
    gaz = places()
    ensure_indexes(db)
    ensure_event_indexes(db)
    start = dt.date(2022, 1, 1)
    per_article = 5
    articles, events = [], []
    for a in range(n_events // per_article):
        day = start + dt.timedelta(days=rnd.randrange(3 * 365))
        text = " ".join(rnd.choice(WORDS) for _ in range(60))
        record = {
            "url": f"http://127.0.0.1:9/bench/{a}",
            "source": f"src-{a % 12}",
            "title": f"خبر رقم {a}",
            "text": text,
            "published": f"{day}T09:00:00+03:00",
            "published_utc": f"{day}T06:00:00+00:00",
        }
        doc = build_document(record)
        doc["_id"] = a + 1
        articles.append(doc)
        evs = []
        for _ in range(per_article):
            kind = rnd.choice(list(TYPES))
            place = rnd.choice(gaz)
            evs.append(
                {
                    "event_type": kind,
                    "sub_event_type": rnd.choice(TYPES[kind]),
                    "date": day.isoformat(),
                    "actor1": {"name": rnd.choice(ACTORS)},
                    "actor2": {"name": rnd.choice(ACTORS)},
                    "location": {
                        "name_en": place["name_en"],
                        "surface": place["names_ar"].split("|")[0],
                        "admin1": place["admin1"],
                        "country": place["country"],
                        "lat": float(place["lat"]),
                        "lon": float(place["lon"]),
                    },
                    "fatalities": rnd.choice([0, 0, 0, 1, 2, 5]),
                    "confidence": round(rnd.uniform(0.4, 0.95), 2),
                    "evidence": {"text": text[:80], "start": 0, "end": 80},
                }
            )
        events += event_documents(doc, evs)
        if len(events) >= 10_000:
            db["articles"].insert_many(articles)
            db["events"].insert_many(events)
            articles, events = [], []
    if articles:
        db["articles"].insert_many(articles)
        db["events"].insert_many(events)


def timed_get(port: int, path: str) -> tuple[float, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    started = time.perf_counter()
    conn.request("GET", path, headers={"Accept-Encoding": "gzip"})
    resp = conn.getresponse()
    body = resp.read()
    elapsed = time.perf_counter() - started
    conn.close()
    if resp.getheader("Content-Encoding") == "gzip":
        import gzip

        body = gzip.decompress(body)
    return elapsed, json.loads(body)


def in_browser(base: str, country: str) -> None:
    """The same, as a person sees it: page load to drawn view, and filter changes to redrawn
    view, measured in the page (fetch + JSON + DOM + canvas)."""
    from selenium.webdriver.support.ui import WebDriverWait

    from workbench.browser import Browser

    with Browser() as driver:
        driver.get(base + "/")
        WebDriverWait(driver, 60).until(lambda d: d.execute_script("return document.body.dataset.renderedAt"))
        WebDriverWait(driver, 60).until(lambda d: d.execute_script("return document.body.dataset.basemapAt"))
        first = float(driver.execute_script("return document.body.dataset.renderedAt"))
        basemap = float(driver.execute_script("return document.body.dataset.basemapAt"))
        print(f"browser: first view drawn {first:.0f} ms after navigation (base map {basemap:.0f} ms)")
        for name, value in (("f-event_type", "Battles"), ("f-country", country), ("f-event_type", "")):
            elapsed = driver.execute_async_script(
                """const [id, value, done] = arguments; const t0 = performance.now();
                const sel = document.getElementById(id); sel.value = value;
                sel.dispatchEvent(new Event('change', {bubbles: true}));
                const poll = () => Number(document.body.dataset.renderedAt) > t0
                  ? done(Number(document.body.dataset.renderedAt) - t0) : setTimeout(poll, 5);
                poll();""",
                name,
                value,
            )
            print(f"browser: {name}={value or '(all)'} redrawn in {elapsed:.0f} ms")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--data-dir", help="embedded store directory (default: a temporary one)")
    ap.add_argument(
        "--browser",
        action="store_true",
        help="also time the page in headless Chromium (first view, base map, filter changes)",
    )
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="marsad-bench-wb-") as tmp:
        with open_database(None, "marsad", args.data_dir or tmp) as conn:
            db = conn.db
            if db["events"].estimated_document_count() < args.events:
                t = time.perf_counter()
                build(db, args.events)
                built = db["events"].estimated_document_count()
                print(f"built {built} events in {time.perf_counter() - t:.1f} s")
            app = Workbench(db)
            t = time.perf_counter()
            app.index.load()
            loaded = time.perf_counter() - t
            print(f"index loaded (server start-up): {loaded:.2f} s for {len(app.index.rows)} events")
            server = make_server(app, "127.0.0.1", 0)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            port = server.server_address[1]
            meta_s, meta = timed_get(port, "/api/meta")
            first_s, first = timed_get(port, "/api/view?zoom=4")
            print(
                f"first view: /api/meta {meta_s * 1000:.0f} ms + /api/view {first_s * 1000:.0f} ms "
                f"({first['count']} events, {len(first['clusters'])} clusters, {len(first['timeline'])} bars)"
            )
            country = meta["countries"][0]
            admin1 = meta["admin1"][country][0]
            changes = [
                f"event_type={quote('Explosions/Remote violence')}",
                f"country={quote(country)}",
                f"country={quote(country)}&admin1={quote(admin1)}",
                "since=2023-01-01&until=2023-03-31",
                f"actor={quote('islamic')}",
                "min_confidence=0.8&source=src-3",
                f"event_type=Battles&country={quote(country)}&since=2022-06-01&bucket=day",
                "zoom=7",
            ]
            worst = 0.0
            for q in changes:
                s, view = timed_get(port, "/api/view?zoom=4&" + q)
                worst = max(worst, s)
                print(f"  filter {q:70s} {s * 1000:6.0f} ms  ({view['count']} events)")
            ev_id = first["events"][0]["id"]
            s, _ = timed_get(port, f"/api/event?id={ev_id}")
            print(f"event page: {s * 1000:.0f} ms")
            s, found = timed_get(port, "/api/articles?q=" + quote("غارة"))
            print(f"article search «غارة»: {s * 1000:.0f} ms ({len(found['articles'])} shown)")
            print(
                f"slowest filter change: {worst * 1000:.0f} ms; first view {(meta_s + first_s) * 1000:.0f} ms"
            )
            if args.browser:
                in_browser(f"http://127.0.0.1:{port}", country)
            server.shutdown()
            server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
