"""Scrapy item pipelines: thin adapters over ``pipelines.process`` and ``pipelines.storage``.

The spider yields ``Page`` and ``Drop`` records (``pipelines.records``).
``ProcessPagePipeline`` turns each ``Page`` into an ``Article`` or a ``Drop`` in a pool
of ``MARSAD_PROCESS_WORKERS`` processes, so the reactor thread keeps downloading while
the workers extract. ``MongoStorePipeline`` batches writes, records every drop with its
reason, and spools records while the database is unreachable.
"""
from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
import multiprocessing
import socket
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pymongo
from pymongo.uri_parser import parse_uri
from scrapy.exceptions import DropItem, NotConfigured

from crawler.archive_link import ArchiveLink
from pipelines import config
from pipelines.archive import article_store
from pipelines.process import timed_process_page
from pipelines.records import Article, Drop, Page
from pipelines.storage import StorageUnavailableError, StoreLockedError, open_database
from pipelines.storage.spool import Spool

log = logging.getLogger(__name__)


def _process_in_worker(page: Page, with_events: bool) -> tuple[Article | Drop, float]:
    """``timed_process_page`` in a worker: an article comes back without its raw HTML,
    which the parent holds already (``page.body``) and puts back."""
    result, cpu_ms = timed_process_page(page, with_events)
    if isinstance(result, Article) and result.raw_html is page.body:
        result = dataclasses.replace(result, raw_html=b"")
    return result, cpu_ms


def _warm_up() -> None:
    """Run in each worker as it starts: importing this module imported the stages, so the
    first page does not wait for them."""


class ProcessPagePipeline:
    def __init__(self, crawler: Any, workers: int, with_events: bool):
        self.crawler = crawler
        self.workers = workers
        self.with_events = with_events
        self.pool: ProcessPoolExecutor | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> ProcessPagePipeline:
        return cls(crawler, crawler.settings.getint("MARSAD_PROCESS_WORKERS", 0),
                   crawler.settings.getbool("MARSAD_EVENTS", True))

    def open_spider(self) -> None:
        if self.workers > 0:
            # spawn, not fork: the parent runs reactor and database threads.
            ctx = multiprocessing.get_context("spawn")
            self.pool = ProcessPoolExecutor(self.workers, mp_context=ctx, initializer=_warm_up)

    def close_spider(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, Page):
            return item  # drops go on to the store as they are
        result, cpu_ms = await self._process(item)
        self.crawler.stats.inc_value("marsad/process_cpu_ms", cpu_ms)
        return result

    async def _process(self, page: Page) -> tuple[Article | Drop, float]:
        if self.pool is None:
            return timed_process_page(page, self.with_events)
        loop = asyncio.get_running_loop()
        try:
            job = functools.partial(_process_in_worker, page, self.with_events)
            result, cpu_ms = await loop.run_in_executor(self.pool, job)
            if isinstance(result, Article) and not result.raw_html and page.body:
                result = dataclasses.replace(result, raw_html=page.body)
            return result, cpu_ms
        except Exception as exc:  # a dead worker must not lose the page
            log.warning("worker failed on %s (%s); processing it inline", page.url, exc)
            return timed_process_page(page, self.with_events)


class MongoStorePipeline:
    def __init__(self, crawler: Any, link: ArchiveLink | None = None):
        self.crawler = crawler
        self.stats = crawler.stats
        # Shared with the spider (its incremental checks use this connection).
        self.link = link or ArchiveLink()
        settings = crawler.settings
        self.uri = settings.get("MONGO_URI")
        self.database = settings.get("MONGO_DATABASE") or config.DEFAULT_DATABASE
        self.data_dir = settings.get("MONGO_DATA_DIR") or config.DEFAULT_DATA_DIR
        self.batch_size = settings.getint("MONGO_BATCH_SIZE", config.DEFAULT_BATCH_SIZE)
        self.spool_dir = settings.get("MARSAD_SPOOL_DIR") or config.DEFAULT_SPOOL_DIR
        self.retry_every = settings.getfloat("MARSAD_SPOOL_RETRY", 10.0)
        self.connection: Any = None
        self.store: Any = None
        self.spool: Any = None
        self.writer: ThreadPoolExecutor | None = None
        # Set (monotonic time) while the database is unreachable and records go to the spool.
        self.outage_since: float | None = None
        self.next_retry = 0.0

    @classmethod
    def from_crawler(cls, crawler: Any) -> MongoStorePipeline:
        if not crawler.settings.get("ITEM_PIPELINES"):
            raise NotConfigured
        pipeline = cls(crawler)
        attach = getattr(crawler.spider, "attach_archive", None)
        if attach is not None:
            attach(pipeline.link)
        return pipeline

    def open_spider(self) -> None:
        # A locked data directory raises here with a message saying what to do; the
        # crawl stops before fetching anything rather than losing what it would fetch.
        try:
            self.connection = open_database(
                self.uri, self.database, self.data_dir,
                server_selection_timeout_ms=self.crawler.settings.getint(
                    "MONGO_TIMEOUT_MS", config.SERVER_SELECTION_TIMEOUT_MS),
                cache_mb=self.crawler.settings.getint("MARSAD_EMBEDDED_CACHE_MB") or None,
                own_process=self.crawler.settings.getbool("MARSAD_EMBEDDED_PROCESS"))
        except StoreLockedError as exc:
            log.error("%s", exc)
            self.stats.set_value("marsad/store_error", str(exc))
            raise
        # Events are written with their articles whether or not this crawl extracts them,
        # as before: the sink only acts on records that carry events.
        self.store = article_store(self.connection.db, batch_size=self.batch_size,
                                   fetch_states=self.link.fetch_states)
        self.store.ensure_indexes()
        self.link.opened(self.connection.db)
        # The store is used from this one thread only, so batch writes never block the
        # reactor (downloads and processing go on while a batch is written).
        self.writer = ThreadPoolExecutor(1, thread_name_prefix="marsad-store")
        where = self.uri or f"embedded SecantusDB on {self.data_dir} ({self.connection.embedded.uri})"
        log.info("storing into %s, database %r", where, self.database)
        # One subdirectory per database: a spooled record is only ever written back
        # into the database it was meant for.
        self.spool = Spool(Path(self.spool_dir) / self.database)
        # What an earlier run could not write goes in first.
        self.writer.submit(self._drain, "left by an earlier run").result()

    def close_spider(self) -> None:
        if self.store is None:
            return
        assert self.writer is not None  # opened with the store
        try:
            self.writer.submit(self._final_flush).result()
            self.writer.shutdown(wait=True)
            for key, value in self.store.stats.items():
                if isinstance(value, dict):
                    for sub, n in value.items():
                        self.stats.set_value(f"marsad/store/{key}/{sub}", n)
                else:
                    self.stats.set_value(f"marsad/store/{key}", value)
        finally:
            self.link.closed()
            self.store.close()
            self.connection.close()

    async def _write(self, record: Article | Drop) -> None:
        assert self.writer is not None, "the store pipeline is not open"
        outcome = await asyncio.wrap_future(self.writer.submit(self._store_or_spool, record))
        if outcome == "spooled":
            self.stats.inc_value("marsad/spooled")

    # -- on the writer thread: the store, and the spool while the database is away --

    def _store_or_spool(self, record: Article | Drop) -> str:
        if self.outage_since is not None:
            kind = "article" if isinstance(record, Article) else "drop"
            self.spool.append([{"kind": kind, "record": record.to_dict()}])
            self._maybe_recover()
            return "spooled"
        try:
            if isinstance(record, Article):
                self.store.add(record)
            else:
                self.store.add_drop(record)
        except StorageUnavailableError as exc:
            self._went_away(exc)
            return "spooled"
        return "stored"

    def _went_away(self, exc: Exception) -> None:
        pending = self.store.take_pending()
        self.spool.append(pending)
        if self.outage_since is None:
            self.outage_since = time.monotonic()
            self.stats.inc_value("marsad/store_outages")
            self.link.down = True  # the spider stops asking it meanwhile
        self.next_retry = time.monotonic() + self.retry_every
        log.warning("database unreachable (%s); %d buffered records spooled to %s, items keep "
                    "going there; retrying every %.0f s", exc, len(pending),
                    self.spool.directory, self.retry_every)

    def _db_answers(self) -> bool:
        """A quick ping on a short-timeout client (the store's waits 10 s per try)."""
        try:  # a refused connection answers at once, where server selection would wait
            nodes = parse_uri(self.connection.uri).get("nodelist") or []
        except Exception:
            nodes = []
        if len(nodes) == 1:
            try:
                socket.create_connection(nodes[0], timeout=1.5).close()
            except OSError:
                return False
        client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(
            self.connection.uri, serverSelectionTimeoutMS=1500, connectTimeoutMS=1500, socketTimeoutMS=3000)
        try:
            client.admin.command("ping")
            return True
        except pymongo.errors.PyMongoError:
            return False
        finally:
            client.close()

    def _maybe_recover(self, force: bool = False) -> None:
        if not force and time.monotonic() < self.next_retry:
            return
        self.next_retry = time.monotonic() + self.retry_every
        if not self._db_answers():
            log.info("database still unreachable; %d records spooled so far", self.spool.appended)
            return
        self._drain("spooled during the outage")

    def _drain(self, what: str) -> None:
        try:
            written = self.spool.drain(self.store)
        except StorageUnavailableError as exc:
            self._went_away(exc)
            return
        if self.outage_since is not None:
            log.warning("database reachable again after %.0f s; %d spooled records written",
                        time.monotonic() - self.outage_since, written)
            self.outage_since = None
            self.link.down = False
        elif written:
            log.warning("%d spooled records %s written from %s", written, what, self.spool.directory)
        self.stats.inc_value("marsad/spool_drained", written)

    def _final_flush(self) -> None:
        if self.outage_since is not None:
            self._maybe_recover(force=True)
        if self.outage_since is None:
            try:
                self.store.flush()
            except StorageUnavailableError as exc:
                self._went_away(exc)
        self.spool.close_segment()
        left = self.spool.pending_count()
        if left:
            log.warning("%d records could not be written and wait in the spool %s; the next "
                        "run writes them first", left, self.spool.directory)
            self.stats.set_value("marsad/spool_left", left)

    async def process_item(self, item: Any) -> Any:
        if isinstance(item, Drop):
            await self._write(item)
            self.stats.inc_value(f"marsad/dropped/{item.code}")
            raise DropItem(f"{item.code}: {item.url}", log_level="INFO")
        if not isinstance(item, Article):
            return item
        await self._write(item)
        self.stats.inc_value("marsad/articles")
        return {"url": item.url, "title": item.title, "published": item.published_local,
                "source": item.source, "events": len(item.events or ())}
