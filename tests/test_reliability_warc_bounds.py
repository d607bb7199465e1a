"""WARC backfill is bounded and honest: a record's body is capped as a crawl caps a
download (a 1 GiB record in a 1 MB .warc.gz, a gzip-encoded bomb), a truncated file is
reported and fails the command, robots.txt and images are skipped and counted, and a page
of a host the registry does not know is flagged.

The WARC files are written here, record by record, as an archive would hold them; the
real reader, processing stages, store and command read them.
"""
from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import uuid
import zlib
from collections import Counter
from pathlib import Path

import pymongo
import pytest
import yaml

from hostile_site import article_html
from pipelines.storage import ArticleStore
from pipelines.warc import SourceMatcher, WarcTruncated, backfill, iter_warc_pages

ROOT = Path(__file__).resolve().parent.parent
GIB = 1 << 30
PEAK = """
import resource, runpy, sys
sys.argv = ["pipelines.warc", *sys.argv[1:]]
try:
    runpy.run_module("pipelines.warc", run_name="__main__")
finally:
    print(f"peak_rss_kb={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}", file=sys.stderr)
"""
HOST = "news.example"


def _record_head(url: str, block_length: int) -> bytes:
    return (f"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: {url}\r\n"
            f"WARC-Date: 2024-05-02T08:00:00Z\r\nWARC-Record-ID: <urn:uuid:{uuid.uuid4()}>\r\n"
            f"Content-Type: application/http; msgtype=response\r\nContent-Length: {block_length}\r\n\r\n").encode()


def _http_head(content_type: str, length: int, extra: str = "") -> bytes:
    return (f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {length}\r\n{extra}\r\n").encode()


def _write_record(out, url: str, body: bytes, content_type: str, extra: str = "") -> None:
    """One gzip member per record, as .warc.gz files hold them."""
    http = _http_head(content_type, len(body), extra)
    member = gzip.GzipFile(fileobj=out, mode="wb", compresslevel=6)
    member.write(_record_head(url, len(http) + len(body)) + http + body + b"\r\n\r\n")
    member.close()


def _write_zeros_record(out, url: str, size: int) -> None:
    """A text/html record of ``size`` zero bytes, streamed (never held in memory)."""
    http = _http_head("text/html; charset=utf-8", size)
    member = gzip.GzipFile(fileobj=out, mode="wb", compresslevel=1)
    member.write(_record_head(url, len(http) + size) + http)
    chunk = bytes(1 << 20)
    for _ in range(size // len(chunk)):
        member.write(chunk)
    member.write(bytes(size % len(chunk)) + b"\r\n\r\n")
    member.close()


def _gzip_bomb(size: int) -> bytes:
    packer = zlib.compressobj(1, zlib.DEFLATED, 31)  # gzip framing
    chunk = bytes(1 << 20)
    parts = [packer.compress(chunk) for _ in range(size // len(chunk))]
    return b"".join(parts) + packer.flush()


def _good(i: int) -> tuple[str, bytes]:
    return f"https://{HOST}/2024/05/0{i}/story-{i}.html", article_html(f"خبر من الأرشيف رقم {i}")


@pytest.fixture(scope="module")
def registry(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("warc-registry") / "sources.yaml"
    path.write_text(yaml.safe_dump([{"id": "news-example", "name": "News", "base_url": f"https://{HOST}/",
                                     "language": "ar", "timezone": "Asia/Baghdad",
                                     "feeds": [f"https://{HOST}/feed"]}], allow_unicode=True),
                    encoding="utf-8")
    return path


def _matcher(registry: Path) -> SourceMatcher:
    from crawler.sources import load_sources
    return SourceMatcher(load_sources(registry))


def test_robots_images_and_unknown_hosts(tmp_path, registry, mongo_db):
    path = tmp_path / "mixed.warc.gz"
    with open(path, "wb") as out:
        for i in (1, 2):
            _write_record(out, *_good(i), content_type="text/html; charset=utf-8")
        _write_record(out, f"https://{HOST}/robots.txt", b"User-agent: *\nDisallow: /private\n", "text/plain")
        _write_record(out, f"https://{HOST}/logo.png", b"\x89PNG\r\n\x1a\n" + os.urandom(200), "image/png")
        _write_record(out, "https://elsewhere.example/2024/05/02/x.html",
                      article_html("خبر من موقع لا يعرفه السجل"), "text/html; charset=utf-8")
    store = ArticleStore(mongo_db)
    summary = backfill([path], store, _matcher(registry), with_events=False)
    assert summary["failed_files"] == {}
    assert summary["skipped"]["robots_txt"] == 1 and summary["skipped"]["not_html"] == 1
    assert summary["unmatched_hosts"] == {"elsewhere.example": 1}
    urls = {d["url"]: d["source"] for d in mongo_db.articles.find({}, {"url": 1, "source": 1})}
    assert not any("robots" in u or "logo" in u for u in urls)
    assert mongo_db.drops.count_documents({"url": {"$regex": "robots|logo"}}) == 0
    assert sorted(urls.values()) == ["news-example", "news-example", "warc"]


def test_truncated_file_is_reported_after_what_it_held(tmp_path, registry, mongo_db):
    whole = tmp_path / "whole.warc.gz"
    with open(whole, "wb") as out:
        for i in (1, 2, 3):
            _write_record(out, *_good(i), content_type="text/html; charset=utf-8")
        _write_zeros_record(out, f"https://{HOST}/2024/05/04/long.html", 4 << 20)
    data = whole.read_bytes()
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(data[: len(data) - 1500])  # inside the last record's body
    with pytest.raises(WarcTruncated, match="truncated"):
        list(iter_warc_pages(cut))
    summary = backfill([cut], ArticleStore(mongo_db), _matcher(registry), with_events=False)
    assert list(summary["failed_files"]) == [str(cut)] and "truncated" in summary["failed_files"][str(cut)]
    assert mongo_db.articles.count_documents({}) == 3


def test_gzip_encoded_record_is_capped(tmp_path, registry, mongo_db):
    path = tmp_path / "encoded.warc.gz"
    bomb = _gzip_bomb(256 << 20)  # 256 MiB once decoded
    with open(path, "wb") as out:
        _write_record(out, f"https://{HOST}/2024/05/05/bomb.html", bomb, "text/html; charset=utf-8",
                      extra="Content-Encoding: gzip\r\n")
        _write_record(out, *_good(1), content_type="text/html; charset=utf-8")
    assert path.stat().st_size < 2 << 20
    counts: Counter = Counter()
    items = list(iter_warc_pages(path, counts, max_bytes=8 << 20))
    assert [type(i).__name__ for i in items] == ["Drop", "Page"]
    assert items[0].code == "too_large" and "Content-Encoding: gzip" in items[0].detail
    summary = backfill([path], ArticleStore(mongo_db), _matcher(registry), with_events=False,
                       max_bytes=8 << 20)
    assert summary["dropped/too_large"] == 1 and summary["articles"] == 1
    assert mongo_db.drops.find_one({"reason": "too_large"})["url"].endswith("bomb.html")


@pytest.mark.slow
def test_command_caps_a_gib_record_in_a_small_file_and_fails_on_a_truncated_one(tmp_path, registry, mongo_server):
    big = tmp_path / "big.warc.gz"
    with open(big, "wb") as out:
        _write_zeros_record(out, f"https://{HOST}/2024/05/06/huge.html", GIB)
        _write_record(out, *_good(2), content_type="text/html; charset=utf-8")
    assert big.stat().st_size < 8 << 20
    database = f"warcbound_{uuid.uuid4().hex[:8]}"
    base = [sys.executable, "-m", "pipelines.warc", "--registry", str(registry), "--mongo-uri", mongo_server,
            "--database", database, "--no-events"]
    # The command, run so that it reports its own peak memory when it ends.
    measured = [sys.executable, "-c", PEAK, *base[3:], str(big)]
    run = subprocess.run(measured, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    summary = json.loads(run.stdout)
    assert summary["dropped/too_large"] == 1 and summary["articles"] == 1
    peak_mb = int(run.stderr.rsplit("peak_rss_kb=", 1)[1].split()[0]) // 1024
    print(f"backfill of a 1 GiB record ({big.stat().st_size} bytes on disk): peak RSS {peak_mb} MB")
    assert peak_mb < 600, f"the backfill held {peak_mb} MB"
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(big.read_bytes()[:200_000])
    truncated = subprocess.run([*base, str(cut)], cwd=ROOT, capture_output=True, text=True, timeout=600)
    client: pymongo.MongoClient = pymongo.MongoClient(mongo_server)
    try:
        drop = client[database].drops.find_one({"reason": "too_large"})
        assert drop is not None and drop["url"].endswith("huge.html")
    finally:
        client.drop_database(database)
        client.close()
    assert truncated.returncode == 1, truncated.stderr[-2000:]
    assert str(cut) in json.loads(truncated.stdout)["failed_files"]
    assert f"error: {cut}" in truncated.stderr and "truncated" in truncated.stderr
