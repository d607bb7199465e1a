"""Merged events and near-duplicate stories, measured (run on demand; prints figures).

    python bench/bench_incidents.py                 # quality on the outlets fixture set
    python bench/bench_incidents.py --orders 5      # ... and over 5 shuffled arrival orders
    python bench/bench_incidents.py --scale 1000,10000,100000   # cost per new report
    python bench/bench_incidents.py --crawl         # the same set crawled with `scrapy crawl news`
    python bench/bench_incidents.py --set holdout   # quality on the held-out set (never tuned on)
    python bench/bench_incidents.py --hook 2000     # the store's after-batch hook, per article

Quality: the 70 articles of fixturesite/content/outlets.yaml (30 events, five outlets)
are stored in batches of 10 into an embedded SecantusDB, run through stories, the current
event extractor and merging; pairwise precision and recall of (a) article pairs put in one
incident against the true events and (b) article pairs put in one story against the true
wire-copy groups.

Scale: N synthetic reports spread over N/100 days and 14 governorates are merged into the
store (N incidents' worth), then 200 new reports are merged and timed; the per-report
cost should stay flat as N grows, because candidates come from one indexed query on
family + governorate + days.
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import tempfile
import time
from pathlib import Path

import pymongo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fixturesite.outlets import outlet_articles  # noqa: E402
from pipelines.incidents import ensure_incident_indexes, incident_document, merge_reports  # noqa: E402
from pipelines.incidents.evaluate import pairwise, predicted_incidents, predicted_stories, run_batches  # noqa: E402
from pipelines.incidents.merge import place_key  # noqa: E402
from pipelines.incidents.rules import days, family, report_from_event  # noqa: E402
from pipelines.storage import EmbeddedServer  # noqa: E402


def fixture_articles(seed: int | None = None, name: str = "outlets") -> list[dict]:
    arts = outlet_articles(name)
    for a in arts:
        a["url"] = f"http://{a['outlet']}.fixture.test/{a['id']}/"
    if seed is None:
        arts.sort(key=lambda a: (a["published"], a["id"]))
    else:
        random.Random(seed).shuffle(arts)
    return arts


def quality(db, seed: int | None, verbose: bool, name: str = "outlets") -> dict:
    arts = fixture_articles(seed, name)
    counts = run_batches(db, arts, batch_size=10)
    truth_event = {a["url"]: a["event"] for a in arts}
    truth_story = {a["url"]: a["story"] for a in arts}
    pred = predicted_incidents(db)
    with_events = {u: e for u, e in truth_event.items() if u in pred}
    merge_all = pairwise(truth_event, pred)
    merge_found = pairwise(with_events, pred)
    stories = pairwise(truth_story, predicted_stories(db))
    if verbose:
        by_url = {a["url"]: a for a in arts}
        for inc in db["incidents"].find().sort("date", 1):
            ids = sorted(by_url[u]["id"] for u in inc["article_urls"])
            place = (inc["location"] or {}).get("name_en")
            print(f"  {inc['date']} {inc['sub_event_type']:<34} {place!s:<18} fat={inc['fatalities']:<3} "
                  f"src={inc['source_count']} conf={inc['merge_confidence']:.2f} {ids}")
        print("  articles without events:", sorted(by_url[u]["id"] for u in truth_event if u not in pred))
        urls = sorted(truth_event)
        wrong, missed = [], []
        for i, u in enumerate(urls):
            for v in urls[i + 1:]:
                together = bool(pred.get(u, set()) & pred.get(v, set()))
                same = truth_event[u] == truth_event[v]
                if together and not same:
                    wrong.append(f"{by_url[u]['id']}~{by_url[v]['id']}")
                elif same and not together:
                    missed.append(f"{by_url[u]['id']}~{by_url[v]['id']}")
        print("  wrongly merged pairs:", " ".join(wrong))
        print("  missed pairs:", " ".join(missed))
    return {"counts": counts, "articles": len(arts), "with_events": len(with_events),
            "incidents": db["incidents"].count_documents({}), "merge_all": merge_all,
            "merge_found": merge_found, "stories": stories}


def _fmt(s: dict) -> str:
    return (f"P {s['precision']:.3f}  R {s['recall']:.3f}  "
            f"({s['correct_pairs']} correct / {s['predicted_pairs']} predicted / "
            f"{s['true_pairs']} true pairs)")


GOVERNORATES = [("Idleb", "Idlib", 35.93, 36.63), ("Aleppo", "Jebel Saman", 36.2, 37.15),
                ("Rural Damascus", "Duma", 33.57, 36.4), ("Homs", "Homs", 34.73, 36.71),
                ("Hama", "Hama", 35.13, 36.75), ("Deir-ez-Zor", "Deir-ez-Zor", 35.33, 40.14),
                ("Ar-Raqqa", "Ar-Raqqa", 35.95, 39.01), ("Al-Hasakeh", "Al-Hasakeh", 36.5, 40.75),
                ("Dar'a", "Dar'a", 32.62, 36.1), ("Quneitra", "Quneitra", 33.12, 35.82),
                ("Lattakia", "Lattakia", 35.52, 35.78), ("Tartous", "Tartous", 34.89, 35.89),
                ("As-Sweida", "As-Sweida", 32.7, 36.57), ("Damascus", "Damascus", 33.51, 36.29)]
SUBS = [("Explosions/Remote violence", "Air/drone strike"),
        ("Explosions/Remote violence", "Shelling/artillery/missile attack"),
        ("Battles", "Armed clash"), ("Violence against civilians", "Attack"),
        ("Explosions/Remote violence", "Remote explosive/landmine/IED")]


def synthetic_event(rng: random.Random, i: int, day0: dt.date, span_days: int) -> dict:
    gov = rng.choice(GOVERNORATES)
    etype, sub = rng.choice(SUBS)
    town = rng.randrange(40)
    day = day0 + dt.timedelta(days=rng.randrange(span_days))
    return {
        "_id": f"syn-{i:07d}", "article_url": f"http://syn.test/{i}", "source": f"out{rng.randrange(20)}",
        "article_published": dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC),
        "event_type": etype, "sub_event_type": sub, "date": day.isoformat(), "time_precision": 1,
        "location": {"name_en": f"{gov[1]}-town{town}", "admin1": gov[0], "admin2": gov[1],
                     "country": "Syria",
                     "lat": gov[2] + town * 0.01, "lon": gov[3] + town * 0.01, "geo_precision": 1},
        "actor1": {"name": "Military Forces of Syria (2000-2024)", "inter": 1}, "actor2": None,
        "fatalities": rng.randrange(10), "modality": "reported", "confidence": 0.8,
        "evidence": {"text": "..."},
    }


def scale(db, sizes: list[int], new: int = 200) -> None:
    ensure_incident_indexes(db)
    rng = random.Random(7)
    day0 = dt.date(2015, 1, 1)
    have = 0
    for n in sizes:
        span = max(10, n // 100)     # about 100 events a day, as a country-wide archive grows
        # existing incidents, written directly (one report each) to reach n quickly
        batch = []
        for i in range(have, n):
            ev = synthetic_event(rng, i, day0, span)
            rep = report_from_event(ev)
            batch.append(incident_document(f"syn-inc-{i:07d}", [rep]) | {"_id": f"syn-inc-{i:07d}"})
            if len(batch) >= 2000:
                db["incidents"].insert_many(batch)
                batch = []
        if batch:
            db["incidents"].insert_many(batch)
        have = n
        fresh = [synthetic_event(rng, 10_000_000 + n + k, day0, span) for k in range(new)]
        t0, c0 = time.perf_counter(), time.process_time()
        counts = merge_reports(db, fresh)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        examined = []
        for ev in fresh[:20]:
            rep = report_from_event(ev)
            q = {"family": family(ev["sub_event_type"]), "place_key": place_key(rep),
                 "days": {"$in": days(rep)}}
            examined.append(db["incidents"].find(q).explain()["executionStats"]["totalDocsExamined"])
        # take them out again so the next size starts from n synthetic incidents only
        db["incidents"].delete_many({"report_ids": {"$in": [e["_id"] for e in fresh]}})
        print(f"stored {n:>7} incidents: {1000 * wall / new:6.2f} ms wall, "
              f"{1000 * cpu / new:6.2f} ms CPU per new report "
              f"(joined {counts['joined']}, new {counts['new']}; "
              f"{sum(examined) / len(examined):.1f} incidents read per candidate query)")


def hook_cost(db, n: int, batch_size: int = 100, *, sole_writer: bool = True) -> None:
    """N generated fixture articles (the ``gen`` site, events on) written by the article
    store in batches; the after-batch hook (stories, then incidents) timed per article,
    wall and CPU of this process (client and the embedded server, when it runs here).
    ``sole_writer``: story sketches in memory, as a crawl on the embedded server keeps them."""
    from fixturesite.generated import GeneratedSite
    from pipelines.archive import EventsAndIncidents
    from pipelines.events.extractor import extract_events
    from pipelines.storage import ArticleStore

    site = GeneratedSite("http://gen.fixture.test", n)
    sink = EventsAndIncidents(sole_writer=sole_writer)
    timed = {"wall": 0.0, "cpu": 0.0}
    inner = sink.after_batch

    def after(db_, keys):
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            return inner(db_, keys)
        finally:
            timed["wall"] += time.perf_counter() - t0
            timed["cpu"] += time.process_time() - c0

    sink.after_batch = after  # type: ignore[method-assign]
    store = ArticleStore(db, batch_size=batch_size, events=sink)
    store.ensure_indexes()
    t0, c0 = time.perf_counter(), time.process_time()
    marks = []
    for i in range(n):
        title, paragraphs = site.article(i)
        text = "\n".join(paragraphs)
        pub = site.published(i).isoformat()
        url = site.url(i)
        store.add({"url": url, "final_url": url, "status": 200, "source": "fx-gen", "title": title,
                   "text": text, "paragraphs": paragraphs, "language": "ar", "is_article": True,
                   "quality": 0.8, "published": pub, "published_utc": pub, "published_precision": "minute",
                   "fetched_at": "2026-11-20T08:00:00Z",
                   "events": extract_events(text, published=pub, source="fx-gen")})
        if (i + 1) % max(1, n // 4) == 0:
            marks.append((i + 1, timed["wall"], timed["cpu"]))
    store.flush()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"{n} articles in batches of {batch_size}: total {wall:.1f} s wall, {cpu:.1f} s CPU; "
          f"after-batch hook {timed['wall']:.1f} s wall, {timed['cpu']:.1f} s CPU "
          f"({1000 * timed['wall'] / n:.2f} ms wall, {1000 * timed['cpu'] / n:.2f} ms CPU per article)")
    prev = (0, 0.0, 0.0)
    for m in marks:
        k = m[0] - prev[0]
        print(f"  articles {prev[0] + 1:>6}-{m[0]:<6} hook {1000 * (m[1] - prev[1]) / k:6.2f} ms wall, "
              f"{1000 * (m[2] - prev[2]) / k:6.2f} ms CPU per article")
        prev = m
    print(f"  stories {db['stories'].count_documents({})}, incidents {db['incidents'].count_documents({})}, "
          f"store {dict((k, v) for k, v in store.stats.items() if not isinstance(v, dict))}")


def _hash_seed_note() -> None:
    import os
    if os.environ.get("PYTHONHASHSEED") in (None, "", "random"):
        print("note: PYTHONHASHSEED is not set; the event extractor's output can vary with it "
              "(set PYTHONHASHSEED=0 for repeatable figures)")


def crawl_quality(uri: str, client) -> None:
    """Serve the outlets, crawl them with the real spider (the store's batch hook builds
    stories and incidents), and score what is stored."""
    import os
    import subprocess

    from fixturesite.outlets_site import OutletsServer
    from pipelines.urls import canonical_url

    root = Path(__file__).resolve().parent.parent
    with OutletsServer() as site, tempfile.TemporaryDirectory() as tmp:
        registry = Path(tmp) / "sources.yaml"
        site.write_sources(registry)
        env = {k: v for k, v in os.environ.items() if k not in ("MONGO_URI", "MARSAD_SOURCES", "REDIS_URL")}
        cmd = [sys.executable, "-m", "scrapy", "crawl", "news", "-s", f"MARSAD_SOURCES={registry}",
               "-s", f"MONGO_URI={uri}", "-s", "MONGO_DATABASE=crawl", "-s", "MONGO_BATCH_SIZE=10",
               "-s", "AUTOTHROTTLE_START_DELAY=0", "-s", "LOG_LEVEL=WARNING",
               "-s", f"MARSAD_SPOOL_DIR={tmp}/spool"]
        t0 = time.perf_counter()
        run = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True, timeout=600)
        took = time.perf_counter() - t0
        if run.returncode:
            print(run.stderr[-3000:])
            return
        cat = site.catalogue()
    db = client["crawl"]
    truth_event = {canonical_url(e["url"]): e["event"] for e in cat}
    truth_story = {canonical_url(e["url"]): e["story"] for e in cat}
    stored = db["articles"].count_documents({"url": {"$in": sorted(truth_event)}})
    print(f"[crawl] {stored}/{len(cat)} articles stored in {took:.1f} s, "
          f"{db['incidents'].count_documents({})} incidents")
    print(f"  merge:                  {_fmt(pairwise(truth_event, predicted_incidents(db)))}")
    print(f"  near-duplicate stories: {_fmt(pairwise(truth_story, predicted_stories(db)))}")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--orders", type=int, default=0, help="also run N shuffled arrival orders")
    ap.add_argument("--scale", help="comma-separated store sizes, e.g. 1000,10000,100000")
    ap.add_argument("--hook", type=int, default=0, help="time the after-batch hook over N generated articles")
    ap.add_argument("--store-candidates", action="store_true",
                    help="with --hook: story candidates from the store's band queries (as against a shared "
                         "MongoDB), not from the sketches in memory")
    ap.add_argument("--crawl", action="store_true", help="crawl the outlets with the real spider")
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--set", default="outlets", choices=["outlets", "holdout"],
                    help="outlets: the development set; holdout: the held-out set (never tuned on)")
    args = ap.parse_args()
    _hash_seed_note()
    with tempfile.TemporaryDirectory() as tmp:
        server = EmbeddedServer(tmp).start()
        client = pymongo.MongoClient(server.uri, tz_aware=True)
        try:
            if args.crawl:
                crawl_quality(server.uri, client)
                return 0
            if args.hook:
                hook_cost(client["hook"], args.hook, sole_writer=not args.store_candidates)
                return 0
            if args.scale:
                scale(client["scale"], [int(x) for x in args.scale.split(",")])
                return 0
            for k, seed in enumerate([None] + list(range(1, args.orders + 1))):
                db = client[f"q{k}"]
                r = quality(db, seed, args.verbose, args.set)
                label = "by publication time" if seed is None else f"shuffled (seed {seed})"
                print(f"[{label}] {r['articles']} articles, {r['with_events']} with events, "
                      f"{r['incidents']} incidents; merge {r['counts']}")
                print(f"  merge, all articles:        {_fmt(r['merge_all'])}")
                print(f"  merge, articles with events: {_fmt(r['merge_found'])}")
                print(f"  near-duplicate stories:      {_fmt(r['stories'])}")
        finally:
            client.close()
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
