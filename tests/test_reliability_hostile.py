"""Hostile content and hostile destinations.

Pages written to break a store (keys with `$`/`.`, absurd titles, control characters,
script tags) go through the real processing stage and a real store; requests to
loopback, link-local and private addresses are refused unless the source allows them.
"""
from __future__ import annotations

import dataclasses
import subprocess
import uuid
from pathlib import Path

import pymongo
import pytest
import yaml

from crawler.middlewares import is_public_address
from crawling import crawl_env, scrapy_command
from fixturesite import FixtureServer
from pipelines.process import process_page
from pipelines.records import Article, Drop
from pipelines.storage import ArticleStore, unescape_key

ROOT = Path(__file__).resolve().parent.parent

PARAGRAPH = ("قالت مصادر محلية إن الأمطار الغزيرة التي هطلت على المدينة خلال الليل أدت إلى "
             "انقطاع الطرق الرئيسية وتضرر عدد من المنازل القديمة في الأحياء الشرقية")


def _page(title: str, body_html: str, hints: dict | None = None) -> dict:
    html = (f"<html lang='ar' dir='rtl'><head><meta charset='utf-8'><title>{title}</title></head>"
            f"<body><article><h1>{title}</h1>{body_html}</article></body></html>")
    return {"url": f"https://news.example/2024/05/0{len(title) % 9 + 1}/{uuid.uuid4().hex[:6]}.html",
            "status": 200, "body": html.encode("utf-8", "surrogatepass"),
            "content_type": "text/html; charset=utf-8", "source": "test", "fetched_at": "2024-05-02T08:00:00Z",
            "timezone": "Asia/Baghdad", "language": "ar", "hints": hints or {}}


def _store_one(mongo_db, page: dict) -> dict:
    result = process_page(page, with_events=False)
    assert isinstance(result, Article), result
    with ArticleStore(mongo_db, batch_size=10) as store:
        store.add(result)
    docs = list(mongo_db.articles.find({}))
    assert len(docs) == 1
    return docs[0]


def test_script_tags_never_reach_the_text(mongo_db):
    body = "".join(f"<p>{PARAGRAPH} {i}</p><script>document.write('حقن')</script>" for i in range(5))
    body += "<p>&lt;script&gt;alert(1)&lt;/script&gt; " + PARAGRAPH + "</p>"
    doc = _store_one(mongo_db, _page("عاصفة مطرية تضرب المدينة", body))
    assert "document.write" not in doc["text"] and "حقن" not in doc["text"]
    # markup written as text is text: kept as characters, never as a tag
    assert "<script>alert(1)</script>" in doc["text"]


def test_control_characters_are_stripped(mongo_db):
    noisy = PARAGRAPH.replace(" ", " \x01", 1).replace(" ", " \x1b", 2)
    body = "".join(f"<p>{noisy} {i}\x0b</p>" for i in range(4))
    doc = _store_one(mongo_db, _page("عنوان\x08 فيه\x00 محارف تحكم", body))
    for field in ("title", "text"):
        assert not any(ord(c) < 32 and c not in "\n\t" for c in doc[field]), field
    assert "محارف تحكم" in doc["title"]


def test_page_thick_with_control_characters_is_stored_clean_or_dropped_with_reason(mongo_db):
    noisy = PARAGRAPH.replace(" ", " \x01\x07\x1b\x00")
    page = _page("عنوان\x08 فيه\x00 محارف", "".join(f"<p>{noisy} {i}</p>" for i in range(4)))
    result = process_page(page, with_events=False)
    if isinstance(result, Drop):
        assert result.code in {"undecodable", "binary_content"}
        with ArticleStore(mongo_db) as store:
            store.add_drop(result)
        assert mongo_db.drops.find_one({})["reason"] == result.code
    else:
        with ArticleStore(mongo_db) as store:
            store.add(result)
        doc = mongo_db.articles.find_one({})
        assert not any(ord(c) < 32 and c not in "\n\t" for c in doc["text"] + doc["title"])


def test_absurdly_long_title_is_cut_and_flagged(mongo_db):
    title = "عنوان " * 40_000
    body = "".join(f"<p>{PARAGRAPH} {i}</p>" for i in range(4))
    result = process_page(_page(title, body), with_events=False)
    assert isinstance(result, Article)
    # The extractor may refuse such a title; if it keeps it, the store must cut it.
    record = dataclasses.replace(result, title=result.title or title)
    with ArticleStore(mongo_db) as store:
        store.add(record)
    doc = mongo_db.articles.find_one({})
    assert 0 < len(doc["title"]) <= 1_000
    assert "title_truncated" in doc["sanitised"]
    assert PARAGRAPH[:40] in doc["text"]


def test_dollar_and_dot_keys_in_hints_are_escaped_reversibly(mongo_db):
    hints = {"$where": "sleep(100)", "a.b": {"$gt": ""}, "via": "$$ROOT", "title": "$title"}
    body = "".join(f"<p>{PARAGRAPH} {i}</p>" for i in range(4))
    doc = _store_one(mongo_db, _page("عنوان عادي لخبر", body, hints))
    stored = doc["hints"]
    assert all("$" not in k and "." not in k for k in stored)
    back = {unescape_key(k): v for k, v in stored.items()}
    assert back["$where"] == "sleep(100)" and back["via"] == "$$ROOT" and back["title"] == "$title"
    assert "keys_escaped" in doc["sanitised"]


@pytest.mark.parametrize("address", [
    "127.0.0.1", "127.8.9.10", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254",
    "100.64.0.1", "0.0.0.0", "::1", "fe80::1", "fc00::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1",
    "224.0.0.1", "not-an-ip", "",
])
def test_non_public_addresses(address):
    assert not is_public_address(address)


@pytest.mark.parametrize("address", ["8.8.8.8", "185.199.108.153", "2606:4700:4700::1111"])
def test_public_addresses(address):
    assert is_public_address(address)


def _crawl(mongo_server: str, registry: Path, database: str, tmp: Path, source: str) -> subprocess.CompletedProcess:
    cmd = scrapy_command(registry, source=source, settings={
        "MONGO_URI": mongo_server, "MONGO_DATABASE": database, "MARSAD_SPOOL_DIR": tmp / "spool",
        "AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_TIMEOUT": 5, "MARSAD_MAX_ARTICLES": 3,
        "MARSAD_PROCESS_WORKERS": 0, "MARSAD_EVENTS": False, "LOG_LEVEL": "INFO"})
    return subprocess.run(cmd, cwd=ROOT, env=crawl_env(), capture_output=True, text=True, timeout=180)


@pytest.fixture(scope="module")
def private_crawls(mongo_server, tmp_path_factory):
    """The maghreb fixture site crawled twice: as registered (allow_private: true) and
    with allow_private removed, its URLs once by IP literal and once by name."""
    tmp = tmp_path_factory.mktemp("private")
    client = pymongo.MongoClient(mongo_server)
    out = {}
    with FixtureServer(hang_seconds=2) as site:
        base = next(s for s in site.sources() if s["id"] == "fx-maghreb")
        by_name = yaml.safe_load(yaml.safe_dump(base).replace("127.0.0.1", "localhost"))
        for label, entry, allow in (("allowed", base, True), ("literal", base, False), ("name", by_name, False)):
            entry = dict(entry, allow_private=allow)
            registry = tmp / f"{label}.yaml"
            registry.write_text(yaml.safe_dump([entry], allow_unicode=True), encoding="utf-8")
            database = f"private_{label}_{uuid.uuid4().hex[:6]}"
            run = _crawl(mongo_server, registry, database, tmp, "fx-maghreb")
            out[label] = {"run": run, "db": client[database]}
    yield out
    for value in out.values():
        client.drop_database(value["db"].name)
    client.close()


@pytest.mark.slow
def test_private_source_that_allows_it_is_crawled(private_crawls):
    crawl = private_crawls["allowed"]
    assert crawl["run"].returncode == 0, crawl["run"].stderr[-2000:]
    assert crawl["db"].articles.count_documents({}) >= 1
    assert crawl["db"].drops.count_documents({"reason": "private_address"}) == 0


@pytest.mark.slow
@pytest.mark.parametrize("label", ["literal", "name"])
def test_private_addresses_are_refused_and_recorded(private_crawls, label):
    crawl = private_crawls[label]
    run = crawl["run"]
    assert run.returncode == 0, run.stderr[-2000:]
    assert "Traceback" not in run.stderr
    assert crawl["db"].articles.count_documents({}) == 0
    refused = list(crawl["db"].drops.find({"reason": "private_address"}))
    assert len(refused) >= 3  # the feed, both sitemaps and the sections
    assert all("127.0.0.1" in d["detail"] for d in refused)
    assert "refused private address" in run.stderr
    # nothing reached the site, not even robots.txt
    assert "'downloader/response_count'" not in run.stderr
