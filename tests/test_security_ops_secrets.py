"""Secrets stay secret: no password of MONGO_URI or of a crawled URL in logs, drops, run
records or a child's command line.

A real SecantusDB server with a real user and password (SCRAM), a real `scrapy crawl` and a
real scheduler run; the test then reads everything they wrote, and /proc, for the secret.
"""
from __future__ import annotations

import json
import logging
import subprocess
import sys
import time
from pathlib import Path

import pymongo
import pytest

from crawling import crawl_env, scrapy_command
from hostile_site import HostileSite, article_html
from pipelines.secrets import install_log_redaction, redact
from pipelines.storage import EmbeddedServer

ROOT = Path(__file__).resolve().parent.parent
DB_SECRET = "Db-hunter2-s3cret"
LINK_SECRET = "link-pa55word"


@pytest.mark.parametrize("text,expected", [
    ("mongodb://marsad:pw@h:27017/db", "mongodb://marsad:***@h:27017/db"),
    ("mongodb://u:p@ss@h/", "mongodb://u:***@h/"),  # an unescaped @ in the password
    ("redis://:pw@127.0.0.1:6379/0", "redis://:***@127.0.0.1:6379/0"),
    ("GET https://token@example.com/a?b=c@d", "GET https://***@example.com/a?b=c@d"),
    ("no secret in http://example.com/a@b", "no secret in http://example.com/a@b"),
    ("two: http://a:1@x/ and ftp://b:2@y/", "two: http://a:***@x/ and ftp://b:***@y/"),
    ("invalid hostname: reader:pw@127.0.0.1", "invalid hostname: reader:***@127.0.0.1"),
    ("mailto:x@y.z and MAILTO:a@b.c", "mailto:x@y.z and MAILTO:a@b.c"),  # an address, not a secret
])
def test_redact(text, expected):
    assert redact(text) == expected


def test_log_records_are_redacted_whatever_prints_them(caplog):
    install_log_redaction()
    with caplog.at_level(logging.INFO):
        logging.getLogger("marsad.test").info("connecting to %s", "mongodb://u:topsecret@h/")
    assert "topsecret" not in caplog.text and "mongodb://u:***@h/" in caplog.text


@pytest.fixture(scope="module")
def authed_server(tmp_path_factory):
    server = EmbeddedServer(tmp_path_factory.mktemp("authdb")).start()
    admin = pymongo.MongoClient(server.uri)
    admin.admin.command("createUser", "marsad", pwd=DB_SECRET, roles=["root"])
    admin.close()
    host = server.uri.split("//", 1)[1].rstrip("/")
    try:
        yield f"mongodb://marsad:{DB_SECRET}@{host}/?authSource=admin"
    finally:
        server.stop()


def _everything(db) -> str:
    return "\n".join(json.dumps(doc, default=str) for name in db.list_collection_names()
                     for doc in db[name].find({}))


@pytest.mark.slow
def test_crawl_keeps_database_and_url_passwords_out_of_logs_drops_and_runs(authed_server, tmp_path):
    with HostileSite() as site:
        host = site.base.split("//", 1)[1]
        site.routes["/a/1.html"] = ("text/html; charset=utf-8", article_html("خبر سليم"))
        links = [f"{site.base}/a/1.html", f"http://reader:{LINK_SECRET}@{host}/a/missing.html"]
        rss = "".join(f"<item><link>{u}</link></item>" for u in links)
        site.routes["/rss.xml"] = ("application/rss+xml", f"<rss><channel>{rss}</channel></rss>".encode())
        registry = site.registry(tmp_path / "sources.yaml", feeds=[site.base + "/rss.xml"])
        cmd = scrapy_command(registry, settings={
            "MONGO_URI": authed_server, "MONGO_DATABASE": "secrets", "MARSAD_SPOOL_DIR": tmp_path / "spool",
            "AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_TIMEOUT": 5, "MARSAD_PROCESS_WORKERS": 0,
            "MARSAD_EVENTS": False, "LOG_LEVEL": "DEBUG"})
        run = subprocess.run(cmd, cwd=ROOT, env=crawl_env(), capture_output=True, text=True, timeout=240)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "storing into mongodb://marsad:***@" in run.stderr
    assert DB_SECRET not in run.stderr and LINK_SECRET not in run.stderr
    client = pymongo.MongoClient(authed_server)
    try:
        db = client["secrets"]
        assert db.articles.count_documents({}) == 1
        assert db.drops.count_documents({}) >= 1 and db.crawl_runs.count_documents({}) == 1
        stored = _everything(db)
    finally:
        client.close()
    assert "reader:***@" in stored or "missing.html" in stored
    assert DB_SECRET not in stored and LINK_SECRET not in stored


def _cmdlines() -> dict[int, str]:
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                found[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                pass
    return found


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="reads /proc (Linux)")
def test_scheduler_passes_the_database_uri_through_the_environment(authed_server, tmp_path):
    with HostileSite() as site:
        for i in range(1, 30):
            site.routes[f"/a/{i}.html"] = ("text/html; charset=utf-8", article_html(f"خبر رقم {i}"))
        rss = "".join(f"<item><link>{site.base}/a/{i}.html</link></item>" for i in range(1, 30))
        site.routes["/rss.xml"] = ("application/rss+xml", f"<rss><channel>{rss}</channel></rss>".encode())
        registry = site.registry(tmp_path / "sources.yaml", feeds=[site.base + "/rss.xml"],
                                 schedule="every 1h", crawl_delay=0.2)
        env = {**crawl_env(), "MONGO_URI": authed_server}  # the scheduler's own secret: its environment
        proc = subprocess.Popen(
            [sys.executable, "-m", "crawler.schedule", "--registry", str(registry), "--run-once", "hostile",
             "--database", "secrets_sched", "-s", "MARSAD_PROCESS_WORKERS=0", "-s", "AUTOTHROTTLE_ENABLED=False",
             "-s", "MARSAD_EVENTS=False"],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        crawl_pid, seen = None, {}
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None and crawl_pid is None:
            seen = _cmdlines()
            crawl_pid = next((pid for pid, line in seen.items()
                              if "scrapy crawl news" in line and "source=hostile" in line), None)
            time.sleep(0.05)
        environ = Path(f"/proc/{crawl_pid}/environ").read_bytes() if crawl_pid else b""
        out, _ = proc.communicate(timeout=240)
    assert crawl_pid is not None, out[-3000:]
    assert not [line for line in seen.values() if DB_SECRET in line], "a password on a command line"
    assert f"MONGO_URI={authed_server}".encode() in environ
    assert proc.returncode == 0, out[-3000:]
    assert DB_SECRET not in out


def test_scheduler_moves_secret_settings_from_the_command_line_to_the_environment(mongo_db):
    from crawler.schedule import Scheduler

    scheduler = Scheduler(mongo_db, f"mongodb://marsad:{DB_SECRET}@127.0.0.1:1/", "x", [],
                          scrapy_settings=[f"REDIS_URL=redis://:{LINK_SECRET}@127.0.0.1:1/0", "LOG_LEVEL=INFO"])
    cmd = " ".join(scheduler.crawl_command("fx", "run1"))
    assert DB_SECRET not in cmd and LINK_SECRET not in cmd and "LOG_LEVEL=INFO" in cmd
    env = scheduler.crawl_env()
    assert DB_SECRET in env["MONGO_URI"] and LINK_SECRET in env["REDIS_URL"]


@pytest.mark.parametrize("uri, warned", [
    ("mongodb://marsad:s3cret@db.example:27017/marsad", True),
    ("mongodb+srv://marsad:s3cret@cluster.example/", True),
    ("mongodb://db1.example,db2.example/?replicaSet=rs0", False),
    ("mongodb://marsad@db.example/", False),
])
def test_a_password_on_the_command_line_is_warned_about(uri, warned, capsys):
    import argparse

    from pipelines.config import add_archive_options

    args = add_archive_options(argparse.ArgumentParser()).parse_args(["--mongo-uri", uri])
    assert args.mongo_uri == uri
    err = capsys.readouterr().err
    assert ("can be read by every user" in err) is warned
    assert "s3cret" not in err
