"""No page can overwrite another site's article through its declared canonical URL.

A canonical URL is the storage key. A page of source "attacker" declaring
``<link rel=canonical>`` on the victim's host must not replace the victim's stored
article: the canonical is ignored, the fetched URL is the key, and the stored article
says so (``canonical_ignored`` in ``sanitised``). Real crawls into the real store.
"""
from __future__ import annotations

import subprocess
import uuid
from pathlib import Path

import pymongo
import pytest
from crawling import crawl_env, scrapy_command
from hostile_site import HostileSite, article_html

from pipelines.process import process_page
from pipelines.records import Article, Page
from pipelines.storage.documents import build_document

ROOT = Path(__file__).resolve().parent.parent
HTML = "text/html; charset=utf-8"


def _page(url: str, canonical: str) -> Page:
    head = f"<link rel='canonical' href='{canonical}'>"
    return Page(url=url, body=article_html("خبر مزور عن المدينة", head), status=200,
                content_type=HTML, source="attacker", fetched_at="2024-05-02T06:00:00Z",
                timezone="Asia/Baghdad")


def test_a_canonical_on_another_host_is_ignored_and_noted():
    article = process_page(_page("https://attacker.example/a/1.html", "https://victim.example/a/1.html"),
                           with_events=False)
    assert isinstance(article, Article)
    assert article.canonical_url is None
    assert "canonical_ignored" in article.flags
    doc = build_document(article.to_dict())
    assert doc["url"] == "https://attacker.example/a/1.html"
    assert "canonical_ignored" in doc["sanitised"]


@pytest.mark.parametrize("canonical", ["https://www.site.example/a/2.html", "/a/2.html",
                                       "https://sport.site.example/a/2.html"])
def test_a_canonical_on_the_own_site_is_kept(canonical):
    article = process_page(_page("https://site.example/a/2.html?utm_source=x", canonical),
                           with_events=False)
    assert isinstance(article, Article)
    assert article.canonical_url is not None and "canonical_ignored" not in article.flags
    assert build_document(article.to_dict())["sanitised"] == []


def _crawl(site: HostileSite, tmp: Path, mongo_server: str, database: str, source: str,
           start_urls: list[str]) -> subprocess.CompletedProcess:
    registry = site.registry(tmp / f"{source}.yaml", source, start_urls=start_urls)
    cmd = scrapy_command(registry, settings={
        "MONGO_URI": mongo_server, "MONGO_DATABASE": database, "MARSAD_SPOOL_DIR": tmp / "spool",
        "AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_TIMEOUT": 5, "MARSAD_PROCESS_WORKERS": 0,
        "MARSAD_EVENTS": False, "LOG_LEVEL": "INFO", "MARSAD_INCREMENTAL": False,
        "MARSAD_RUN_RECORDS": False})
    return subprocess.run(cmd, cwd=ROOT, env=crawl_env(), capture_output=True, text=True, timeout=180)


@pytest.mark.slow
def test_an_attacker_page_cannot_replace_the_victims_article(mongo_server, tmp_path):
    database = f"canonical_{uuid.uuid4().hex[:8]}"
    client = pymongo.MongoClient(mongo_server)
    db = client[database]
    try:
        with HostileSite() as victim, HostileSite(host="127.0.0.2") as attacker:
            victim_url = victim.base + "/a/1.html"
            victim.routes["/a/1.html"] = (HTML, article_html("خبر الضحية الأصلي"))
            run = _crawl(victim, tmp_path, mongo_server, database, "victim", [victim_url])
            assert run.returncode == 0, run.stderr[-3000:]
            before = db.articles.find_one({"url": victim_url})
            assert before is not None and before["source"] == "victim"

            evil_head = f"<link rel='canonical' href='{victim_url}'>"
            attacker.routes["/a/evil.html"] = (HTML, article_html("خبر مزور يستبدل الضحية", evil_head))
            own = attacker.base + "/a/own.html"
            attacker.routes["/b/copy.html"] = (HTML, article_html(
                "خبر له عنوان أصلي على الموقع نفسه", f"<link rel='canonical' href='{own}'>"))
            run = _crawl(attacker, tmp_path, mongo_server, database, "attacker",
                         [attacker.base + "/a/evil.html", attacker.base + "/b/copy.html"])
            assert run.returncode == 0, run.stderr[-3000:]

        after = db.articles.find_one({"url": victim_url})
        assert after["source"] == "victim"
        assert after["title"] == before["title"] == "خبر الضحية الأصلي"
        assert after["text"] == before["text"]
        assert after.get("revision", 0) == before.get("revision", 0)
        evil = db.articles.find_one({"url": attacker.base + "/a/evil.html"})
        assert evil is not None and evil["source"] == "attacker"
        assert evil["canonical_url"] is None and "canonical_ignored" in evil["sanitised"]
        # a canonical on the page's own site is still the key
        copy = db.articles.find_one({"url": own})
        assert copy is not None and "canonical_ignored" not in copy["sanitised"]
    finally:
        client.drop_database(database)
        client.close()
