"""A page that is half UTF-8, half windows-1256 is repaired and flagged, never stored as
silent mojibake: each part is decoded as what it is, the article's ``encoding`` is
``utf-8+windows-1256`` and ``sanitised`` holds ``mixed_encoding``. Pages in one
encoding (clean, or UTF-8 with a broken byte) are not touched.
"""
from __future__ import annotations

import subprocess
import uuid
from pathlib import Path

import pymongo
import pytest
from crawling import crawl_env, scrapy_command
from hostile_site import PARAGRAPH, HostileSite

from pipelines.extract.decode import MIXED_ENCODING, decode_html
from pipelines.process import process_page
from pipelines.records import Article, Page

ROOT = Path(__file__).resolve().parent.parent
FIRST = "".join(f"<p>{PARAGRAPH} في الجزء الأول {i}</p>" for i in range(3))
SECOND = "".join(f"<p>{PARAGRAPH} في الجزء الثاني {i}</p>" for i in range(3))
TITLE = "أمطار غزيرة تقطع الطرق في المدينة"


def _mixed_page(first: str, second: str) -> bytes:
    head = (f"<html lang='ar'><head><meta charset='utf-8'><title>{TITLE}</title>"
            "<meta property='article:published_time' content='2024-05-02T08:00:00+03:00'></head>"
            f"<body><article><h1>{TITLE}</h1>").encode(first)
    return head + FIRST.encode(first) + SECOND.encode(second) + b"</article></body></html>"


@pytest.mark.parametrize("first,second", [("utf-8", "cp1256"), ("cp1256", "utf-8")])
@pytest.mark.parametrize("content_type", [None, "text/html; charset=utf-8", "text/html; charset=windows-1256"])
def test_a_mixed_page_is_decoded_part_by_part(first, second, content_type):
    text, encoding = decode_html(_mixed_page(first, second), content_type)
    assert FIRST in text and SECOND in text and TITLE in text
    assert encoding == MIXED_ENCODING


@pytest.mark.parametrize("codec", ["utf-8", "cp1256"])
def test_a_page_in_one_encoding_is_not_called_mixed(codec):
    body = _mixed_page(codec, codec)
    text, encoding = decode_html(body, None)
    assert FIRST in text and encoding in ("utf-8", "windows-1256")


def test_utf8_with_a_broken_byte_stays_utf8():
    body = _mixed_page("utf-8", "utf-8")
    broken = body.replace(PARAGRAPH.encode()[:2], b"\xff", 1)
    text, encoding = decode_html(broken, "text/html; charset=utf-8")
    assert encoding == "utf-8" and SECOND in text


def test_the_article_is_flagged():
    page = Page(url="https://s.example/a/1.html", body=_mixed_page("utf-8", "cp1256"), status=200,
                content_type="text/html; charset=utf-8", source="s", fetched_at="2024-05-02T06:00:00Z",
                timezone="Asia/Baghdad")
    article = process_page(page, with_events=False)
    assert isinstance(article, Article)
    assert "mixed_encoding" in article.flags and article.encoding == MIXED_ENCODING
    assert "في الجزء الثاني" in article.text and "في الجزء الأول" in article.text


@pytest.mark.slow
def test_a_mixed_page_is_stored_repaired_and_flagged(mongo_server, tmp_path):
    database = f"encoding_{uuid.uuid4().hex[:8]}"
    with HostileSite() as site:
        site.routes["/a/mixed.html"] = ("text/html; charset=utf-8", _mixed_page("utf-8", "cp1256"))
        site.routes["/a/legacy.html"] = ("text/html; charset=windows-1256", _mixed_page("cp1256", "cp1256"))
        registry = site.registry(tmp_path / "sources.yaml",
                                 start_urls=[site.base + "/a/mixed.html", site.base + "/a/legacy.html"])
        cmd = scrapy_command(registry, settings={
            "MONGO_URI": mongo_server, "MONGO_DATABASE": database, "MARSAD_SPOOL_DIR": tmp_path / "spool",
            "AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_TIMEOUT": 5, "MARSAD_PROCESS_WORKERS": 1,
            "MARSAD_EVENTS": False, "LOG_LEVEL": "INFO", "MARSAD_INCREMENTAL": False,
            "MARSAD_RUN_RECORDS": False})
        run = subprocess.run(cmd, cwd=ROOT, env=crawl_env(), capture_output=True, text=True, timeout=180)
    client = pymongo.MongoClient(mongo_server)
    try:
        assert run.returncode == 0, run.stderr[-3000:]
        db = client[database]
        mixed = db.articles.find_one({"url": site.base + "/a/mixed.html"})
        assert mixed is not None, run.stderr[-3000:]
        assert "mixed_encoding" in mixed["sanitised"] and mixed["encoding"] == MIXED_ENCODING
        assert "في الجزء الثاني" in mixed["text"] and "ط§ظ" not in mixed["text"]
        legacy = db.articles.find_one({"url": site.base + "/a/legacy.html"})
        assert legacy["encoding"] == "windows-1256" and "mixed_encoding" not in legacy["sanitised"]
    finally:
        client.drop_database(database)
        client.close()
