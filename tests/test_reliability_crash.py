"""A crawl killed with SIGKILL in the middle and started again loses no article and
stores none twice, with Scrapy's disk queue (JOBDIR) as users run long crawls."""
from __future__ import annotations

import signal
import subprocess
import time
import uuid
from pathlib import Path

import pymongo
import pytest
import yaml

from crawling import crawl_env, scrapy_command
from fixturesite import FixtureServer
from pipelines.urls import canonical_url

pytestmark = pytest.mark.slow  # real crawls (README, "Tests")

ROOT = Path(__file__).resolve().parent.parent
GENERATED = 120


def _cmd(registry: Path, uri: str, database: str, tmp: Path) -> list[str]:
    return scrapy_command(registry, source="fx-gen", settings={
        "MONGO_URI": uri, "MONGO_DATABASE": database, "MARSAD_SPOOL_DIR": tmp / "spool",
        "JOBDIR": tmp / "job", "MONGO_BATCH_SIZE": 7, "AUTOTHROTTLE_ENABLED": False,
        "DOWNLOAD_TIMEOUT": 5, "MARSAD_PROCESS_WORKERS": 1, "MARSAD_EVENTS": False,
        "LOG_LEVEL": "INFO"})


def test_sigkill_midway_then_restart_loses_nothing(mongo_server, tmp_path):
    database = f"crash_{uuid.uuid4().hex[:8]}"
    client = pymongo.MongoClient(mongo_server)
    articles = client[database].articles
    try:
        with FixtureServer(generated=GENERATED, hang_seconds=2) as site:
            sources = site.sources()
            for source in sources:
                source["crawl_delay"] = 0.1  # long enough to be killed in the middle
            registry = tmp_path / "sources.yaml"
            registry.write_text(yaml.safe_dump(sources, allow_unicode=True), encoding="utf-8")
            expected = {canonical_url(p.get("canonical_url") or p["url"])
                        for p in site.catalogue() if p["site"] == "gen" and p["expect"] == "stored"}

            with open(tmp_path / "first.log", "w") as err:
                first = subprocess.Popen(_cmd(registry, mongo_server, database, tmp_path), cwd=ROOT,
                                         env=crawl_env(), stdout=subprocess.DEVNULL, stderr=err)
                deadline = time.monotonic() + 120
                while articles.count_documents({}) < 15 and first.poll() is None and time.monotonic() < deadline:
                    time.sleep(0.2)
                assert first.poll() is None, "the first crawl ended before it could be killed"
                first.send_signal(signal.SIGKILL)
                first.wait(timeout=30)
            killed_at = articles.count_documents({})
            assert 0 < killed_at < len(expected)

            second = subprocess.run(_cmd(registry, mongo_server, database, tmp_path), cwd=ROOT,
                                    env=crawl_env(), capture_output=True, text=True, timeout=300)
        assert second.returncode == 0, second.stderr[-3000:]
        assert "Traceback" not in second.stderr, second.stderr[-3000:]
        urls = [d["url"] for d in articles.find({}, {"url": 1})]
        assert len(urls) == len(set(urls)), "an article is stored twice"
        missing = expected - set(urls)
        assert not missing, f"{len(missing)} articles lost after the kill, e.g. {sorted(missing)[:3]}"
    finally:
        client.drop_database(database)
        client.close()
