"""The on-disk spool on its own: round trip, torn lines, locks, and draining into a real store."""
from __future__ import annotations

import datetime as dt
import socket

import pymongo
import pytest

from pipelines.storage import ArticleStore, StorageUnavailableError
from pipelines.storage.spool import Spool, SpoolError, decode_line, encode_line


def _article(i: int) -> dict:
    return {"url": f"http://127.0.0.1:9/2020/01/01/{i}.html", "source": "fx-gen", "status": 200,
            "is_article": True, "title": f"عنوان رقم {i}", "text": f"نص الخبر رقم {i} " * 20,
            "quality": 0.8, "raw_html": f"<html><p>خبر {i}</p>\x00\xff</html>".encode("utf-8"),
            "fetched_at": "2024-05-01T10:00:00Z", "published": dt.datetime(2024, 5, 1, 9, tzinfo=dt.timezone.utc),
            "hints": {"via": "rss", "a.b": "$x"}}


def test_line_round_trip_keeps_bytes_dates_and_odd_text():
    record = _article(1)
    record["title"] = "عنوان \ud800 مع نصف زوج"
    record["day"] = dt.date(2015, 5, 22)
    record["tags"] = ("a", "b")
    item = decode_line(encode_line("article", record))
    assert item["kind"] == "article"
    back = item["record"]
    assert back["raw_html"] == record["raw_html"]
    assert back["published"] == record["published"]
    assert back["day"] == record["day"]
    assert back["title"] == record["title"]
    assert back["tags"] == ["a", "b"]
    assert back["hints"] == record["hints"]


def test_torn_line_is_rejected():
    line = encode_line("drop", {"url": "http://x/", "reason": "empty_body"})
    with pytest.raises(ValueError):
        decode_line(line[: len(line) // 2])


def test_drain_writes_everything_once_and_skips_torn_tail(tmp_path, mongo_db):
    spool = Spool(tmp_path / "spool")
    spool.append([{"kind": "article", "record": _article(i)} for i in range(7)])
    spool.append([{"kind": "drop", "record": {"url": "http://127.0.0.1:9/x", "source": "fx-gen",
                                              "reason": "soft_404", "detail": None, "status": 200}}])
    segment = spool.pending_segments()[0]
    spool.close_segment()
    with open(segment, "ab") as handle:  # a kill in the middle of an append
        handle.write(encode_line("article", _article(99))[:40])
    store = ArticleStore(mongo_db, batch_size=3)
    assert spool.drain(store) == 8
    assert mongo_db.articles.count_documents({}) == 7
    assert mongo_db.drops.find_one({"url": "http://127.0.0.1:9/x"})["reason"] == "soft_404"
    assert spool.pending_segments() == []
    # draining again writes nothing more
    assert spool.drain(store) == 0
    assert mongo_db.articles.count_documents({}) == 7


def test_open_segment_of_another_writer_is_left_alone(tmp_path, mongo_db):
    writer = Spool(tmp_path / "spool")
    writer.append([{"kind": "article", "record": _article(1)}])
    reader = Spool(tmp_path / "spool")
    assert reader.drain(ArticleStore(mongo_db)) == 0
    assert mongo_db.articles.count_documents({}) == 0
    writer.close_segment()
    assert reader.drain(ArticleStore(mongo_db)) == 1
    assert mongo_db.articles.count_documents({}) == 1


def test_failed_drain_keeps_the_segment_and_empties_the_store(tmp_path, mongo_db):
    spool = Spool(tmp_path / "spool")
    spool.append([{"kind": "article", "record": _article(i)} for i in range(4)])

    # a real client on a port nobody listens on: the database is away
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = pymongo.MongoClient(f"mongodb://127.0.0.1:{port}", serverSelectionTimeoutMS=300)
    store = ArticleStore(client.marsad, batch_size=100)
    with pytest.raises(StorageUnavailableError):
        spool.drain(store)
    client.close()
    assert store.pending == 0
    assert spool.pending_count() == 4
    assert spool.drain(ArticleStore(mongo_db)) == 4
    assert mongo_db.articles.count_documents({}) == 4


def test_unwritable_directory_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(SpoolError, match="MARSAD_SPOOL_DIR"):
        Spool(blocker / "spool").append([{"kind": "drop", "record": {"url": "u", "reason": "r"}}])


def test_command_line_shows_and_drains(tmp_path, mongo_server, mongo_client):
    import subprocess
    import sys
    import uuid
    from pathlib import Path

    database = f"spoolcli_{uuid.uuid4().hex[:8]}"
    spool = Spool(tmp_path / "spool" / database)
    spool.append([{"kind": "article", "record": _article(i)} for i in range(3)])
    spool.close_segment()
    root = Path(__file__).resolve().parent.parent
    base = [sys.executable, "-m", "pipelines.storage.spool", "--dir", str(tmp_path / "spool"),
            "--database", database, "--mongo-uri", mongo_server]
    shown = subprocess.run(base, cwd=root, capture_output=True, text=True, timeout=120)
    assert shown.returncode == 0, shown.stderr
    assert "1 segments, 3 records" in shown.stdout
    drained = subprocess.run([*base, "--drain"], cwd=root, capture_output=True, text=True, timeout=120)
    assert drained.returncode == 0, drained.stderr + drained.stdout
    assert "written: 3; still waiting: 0" in drained.stdout
    assert mongo_client[database].articles.count_documents({}) == 3
    mongo_client.drop_database(database)
