"""WARC in and out: a WARC written here is backfilled through process_page into the store;
a crawl with MARSAD_WARC_DIR writes WARCs whose backfill gives the same articles."""
from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
import uuid
from pathlib import Path

import pymongo
import pytest

from crawler.sources import load_sources
from fixturesite import FixtureServer
from pipelines.storage import ArticleStore
from pipelines.urls import canonical_url
from pipelines.warc import SourceMatcher, backfill, iter_warc_pages
from pipelines.warc_writer import WarcWriter
from test_crawl_e2e import run_scrapy

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def site():
    with FixtureServer(hang_seconds=2.0) as server:
        yield server


def _fetch(url):
    with urllib.request.urlopen(url, timeout=10) as resp:
        return resp.status, list(resp.headers.items()), resp.read()


@pytest.fixture(scope="module")
def written(site, tmp_path_factory):
    """A WARC with stored articles, a soft 404, a PNG and a request record."""
    out = tmp_path_factory.mktemp("warc")
    pages = [p for p in site.catalogue() if p["site"] == "wp" and p["expect"] == "stored"
             and "canonical_url" in p and p["url"].count("?") == 0][:6]
    soft = next(p for p in site.catalogue() if p["expect"] == "dropped:soft_404")
    writer = WarcWriter(out, prefix="test")
    for page in [*pages, soft]:
        status, headers, body = _fetch(page["url"])
        writer.write_response(page["url"], status, headers, body)
    writer.write_response(site.base_urls["wp"] + "/logo.png", 200, [("Content-Type", "image/png")], b"\x89PNG....")
    writer.close()
    return {"path": writer.paths[0], "pages": pages, "soft": soft}


def test_reader_yields_html_responses_only(written):
    from collections import Counter

    skipped = Counter()
    pages = list(iter_warc_pages(written["path"], skipped))
    assert [p.url for p in pages] == [p["url"] for p in written["pages"]] + [written["soft"]["url"]]
    assert skipped["not_html"] == 1 and skipped["record_warcinfo"] == 1
    assert all(p.status == 200 and p.body and p.fetched_at.endswith("Z") for p in pages)


def test_backfill_stores_articles_and_drops(site, written, mongo_db, tmp_path):
    registry = site.write_sources(tmp_path / "sources.yaml")
    store = ArticleStore(mongo_db)
    store.ensure_indexes()
    summary = backfill([written["path"], tmp_path / "missing.warc.gz"], store,
                       SourceMatcher(load_sources(registry)), with_events=False)
    assert summary["articles"] == len(written["pages"]) and summary["dropped/soft_404"] == 1
    assert list(summary["failed_files"]) == [str(tmp_path / "missing.warc.gz")]
    for page in written["pages"]:
        doc = mongo_db.articles.find_one({"url": canonical_url(page["canonical_url"] or page["url"])})
        assert doc is not None and doc["source"] == "fx-wp" and doc["timezone"] == "Asia/Damascus"
        assert doc["published_local"].startswith(page["published"][:10])
        assert page["paragraphs"][0][:60] in " ".join(doc["text"].split())
    assert mongo_db.drops.find_one({"reason": "soft_404"})["source"] == "fx-portal"


@pytest.mark.slow
def test_command_line(site, written, mongo_server, tmp_path):
    registry = site.write_sources(tmp_path / "sources.yaml")
    database = f"warc_{uuid.uuid4().hex[:8]}"
    run = subprocess.run([sys.executable, "-m", "pipelines.warc", str(written["path"]), "--registry", str(registry),
                          "--mongo-uri", mongo_server, "--database", database, "--no-events"],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    client = pymongo.MongoClient(mongo_server)
    try:
        assert run.returncode == 0, run.stderr[-2000:]
        summary = json.loads(run.stdout)
        assert summary["store"]["new"] == client[database].articles.count_documents({}) == len(written["pages"])
    finally:
        client.drop_database(database)
        client.close()
    bad = subprocess.run([sys.executable, "-m", "pipelines.warc", str(tmp_path / "nope.warc.gz")],
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "no such file" in bad.stderr
    garbage = tmp_path / "garbage.warc.gz"
    garbage.write_bytes(b"\x1f\x8b\x08\x00" + b"\xff" * 200)  # a broken gzip stream
    mixed = subprocess.run([sys.executable, "-m", "pipelines.warc", str(garbage), "--registry", str(registry),
                            "--mongo-uri", mongo_server, "--database", database],
                           cwd=ROOT, capture_output=True, text=True, timeout=60)
    client = pymongo.MongoClient(mongo_server)
    client.drop_database(database)
    client.close()
    assert mixed.returncode == 1 and str(garbage) in json.loads(mixed.stdout)["failed_files"]


@pytest.mark.slow
def test_crawl_writes_warc_that_backfills_to_the_same_articles(site, mongo_server, mongo_client, tmp_path):
    registry = site.write_sources(tmp_path / "sources.yaml")
    crawl_db, back_db = (f"warc_{uuid.uuid4().hex[:8]}" for _ in range(2))
    warc_dir = tmp_path / "warcs"
    try:
        run = run_scrapy(registry, mongo_server, crawl_db, "-a", "source=fx-maghreb", "-s", f"MARSAD_WARC_DIR={warc_dir}",
                         "-s", "MARSAD_PROCESS_WORKERS=0", "-s", "MARSAD_EVENTS=False", "-s", "DOWNLOAD_TIMEOUT=1")
        assert run.returncode == 0, run.stderr[-3000:]
        files = sorted(warc_dir.glob("*.warc.gz"))
        assert files and "'marsad/warc_records'" in run.stderr
        store = ArticleStore(mongo_client[back_db])
        store.ensure_indexes()
        backfill(files, store, SourceMatcher(load_sources(registry)), with_events=False)
        crawled = {d["url"]: d["text_hash"] for d in mongo_client[crawl_db].articles.find()}
        restored = {d["url"]: d["text_hash"] for d in mongo_client[back_db].articles.find()}
        assert crawled and restored == crawled
    finally:
        mongo_client.drop_database(crawl_db)
        mongo_client.drop_database(back_db)
