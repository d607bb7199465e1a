"""What the crawl-under-failure tests share (test_reliability_outage, _full_disk).

An embedded database server a test can stop and start again on the same port and data
directory, the generated fixture site's registry with a chosen crawl delay and the
articles it must store, and waiting on a running crawl.
"""
from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pymongo
import yaml
from crawling import ROOT, crawl_env

from fixturesite import FixtureServer
from pipelines.storage import EmbeddedServer
from pipelines.urls import canonical_url


class RestartableServer:
    """An embedded server that can be stopped and started again on its port and data."""

    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self.server = EmbeddedServer(data_dir).start()
        self.uri = self.server.uri
        self.port = int(self.uri.rstrip("/").rsplit(":", 1)[1])

    def stop(self) -> None:
        self.server.stop()

    def start(self) -> None:
        deadline = time.monotonic() + 30
        while True:
            try:
                self.server = EmbeddedServer(self.data_dir, port=self.port).start()
                return
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)


def generated_site(server: FixtureServer, directory: Path) -> tuple[Callable[[float], Path], set[str]]:
    """A registry writer for the fixture site's sources (``registry(crawl_delay)`` -> its
    file) and the canonical URLs of the generated site's articles that must be stored."""
    def registry(delay: float) -> Path:
        path = directory / f"sources-{delay}.yaml"
        sources = server.sources()
        for source in sources:
            source["crawl_delay"] = delay
        path.write_text(yaml.safe_dump(sources, allow_unicode=True), encoding="utf-8")
        return path
    expected = {canonical_url(p.get("canonical_url") or p["url"])
                for p in server.catalogue() if p["site"] == "gen" and p["expect"] == "stored"}
    return registry, expected


@contextmanager
def running_crawl(cmd: list[str], log: Path) -> Iterator[subprocess.Popen]:
    """The crawl ``cmd`` running, its stderr in ``log``; sent SIGTERM at the end of the
    block if it is still running."""
    with open(log, "w") as err:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=crawl_env(), stdout=subprocess.DEVNULL,
                                stderr=err, text=True)
        try:
            yield proc
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=30)


def wait_until(predicate: Callable[[], bool], proc: subprocess.Popen, what: str,
               timeout: float = 120) -> None:
    """Poll ``predicate`` while the crawl ``proc`` runs; fail naming ``what`` if it never holds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if predicate():
            return
        time.sleep(0.3)
    raise AssertionError(f"never: {what}")


def stored_urls(uri: str, database: str, timeout_ms: int = 10_000) -> list[str]:
    """The ``url`` of every stored article."""
    client: pymongo.MongoClient = pymongo.MongoClient(uri, serverSelectionTimeoutMS=timeout_ms)
    try:
        return [d["url"] for d in client[database].articles.find({}, {"url": 1})]
    finally:
        client.close()


def stored_count(uri: str, database: str) -> int:
    """How many articles are stored; -1 while the server does not answer."""
    try:
        return len(stored_urls(uri, database, timeout_ms=2000))
    except pymongo.errors.PyMongoError:
        return -1
