"""Scrapy item pipelines: thin adapters over ``pipelines.process`` and ``pipelines.storage``.

The spider yields ``Page`` and ``Drop`` records (``pipelines.records``).
``ProcessPagePipeline`` turns each ``Page`` into an ``Article`` or a ``Drop`` in a pool
of ``MARSAD_PROCESS_WORKERS`` processes, so the reactor thread keeps downloading while
the workers extract. ``MongoStorePipeline`` batches writes, records every drop with its
reason, and spools records while the database is unreachable.
"""
from __future__ import annotations

import asyncio
import ctypes
import dataclasses
import functools
import logging
import multiprocessing
import os
import signal
import socket
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import pymongo
from pymongo.uri_parser import parse_uri
from scrapy.exceptions import DropItem, NotConfigured

from crawler.archive_link import ArchiveLink
from pipelines import config
from pipelines.archive import article_store
from pipelines.heap import PeriodicTrim
from pipelines.process import timed_process_page
from pipelines.records import Article, Drop, DropReason, Page
from pipelines.secrets import install_log_redaction, redact
from pipelines.storage import StorageError, StorageUnavailableError, StoreLockedError, open_database
from pipelines.storage.failures import WriteFailure, classify_write_failure
from pipelines.storage.known_index import KnownIndex
from pipelines.storage.spool import Spool, SpoolError

log = logging.getLogger(__name__)

_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _watch_parent(parent: int) -> None:
    while True:
        if os.getppid() != parent:  # the parent died: this worker was handed to init
            os._exit(1)
        time.sleep(0.5)


def _worker_start(parent: int) -> None:
    """Run in each worker as it starts. Importing this module imported the stages, so the
    first page does not wait for them. The worker ends with its parent: on Linux the
    kernel kills it (PR_SET_PDEATHSIG); everywhere a thread checks the parent's pid."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # it died before prctl took effect
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent,), name="marsad-parent-watch", daemon=True).start()


def budgeted_process_page(page: Page, with_events: bool, cpu_budget: float) -> tuple[Article | Drop, float]:
    """``timed_process_page`` in a worker that the kernel ends (SIGPROF) once the page has
    cost ``cpu_budget`` CPU seconds, even inside C code (libxml2)."""
    if cpu_budget > 0:
        signal.signal(signal.SIGPROF, signal.SIG_DFL)  # the default action ends the process
        signal.setitimer(signal.ITIMER_PROF, cpu_budget)
    try:
        result, cpu_ms = timed_process_page(page, with_events)
    finally:
        if cpu_budget > 0:
            signal.setitimer(signal.ITIMER_PROF, 0)
    # The article goes back without its raw HTML: the parent holds it (``page.body``)
    # and puts it back, so the page does not cross the pipe twice.
    if isinstance(result, Article) and result.raw_html is page.body:
        result = dataclasses.replace(result, raw_html=b"")
    return result, cpu_ms


def _isolated(page: Page, with_events: bool, cpu_budget: float, parent: int, conn: Any) -> None:
    _worker_start(parent)
    conn.send(budgeted_process_page(page, with_events, cpu_budget))
    conn.close()


def _with_body(outcome: tuple[Article | Drop, float], page: Page) -> tuple[Article | Drop, float]:
    result, cpu_ms = outcome
    if isinstance(result, Article) and not result.raw_html and page.body:
        result = dataclasses.replace(result, raw_html=page.body)
    return result, cpu_ms


def _collect(process: Any, conn: Any) -> tuple[Any, int | None]:
    try:
        result = conn.recv()
    except (EOFError, OSError):
        result = None
    finally:
        conn.close()
    process.join()
    return result, process.exitcode


class ProcessPagePipeline:
    def __init__(self, crawler: Any, workers: int, with_events: bool, cpu_budget: float = 25.0):
        self.crawler = crawler
        self.workers = workers
        self.with_events = with_events
        self.cpu_budget = cpu_budget
        self.pool: ProcessPoolExecutor | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> ProcessPagePipeline:
        return cls(crawler, crawler.settings.getint("MARSAD_PROCESS_WORKERS", 0),
                   crawler.settings.getbool("MARSAD_EVENTS", True),
                   crawler.settings.getfloat("MARSAD_PAGE_CPU_BUDGET", 25.0))

    def _new_pool(self) -> ProcessPoolExecutor:
        # spawn, not fork: the parent runs reactor and database threads.
        ctx = multiprocessing.get_context("spawn")
        return ProcessPoolExecutor(self.workers, mp_context=ctx, initializer=_worker_start,
                                   initargs=(os.getpid(),))

    def open_spider(self) -> None:
        if self.workers > 0:
            self.pool = self._new_pool()

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
        pool = self.pool
        try:
            job = functools.partial(budgeted_process_page, page, self.with_events, self.cpu_budget)
            return _with_body(await loop.run_in_executor(pool, job), page)
        except BrokenProcessPool:
            # A worker died (over its CPU budget, or crashed); every page it shared the
            # pool with fails too. Each is tried again alone, so only the page that kills
            # its worker again is dropped.
            self._replace(pool)
            return _with_body(await self._alone(page), page)
        except Exception as exc:  # e.g. a result that does not pickle: the page is not lost
            log.warning("worker failed on %s (%s); processing it inline", page.url, exc)
            return timed_process_page(page, self.with_events)

    def _replace(self, broken: ProcessPoolExecutor) -> None:
        if self.pool is broken:
            self.pool = self._new_pool()
            self.crawler.stats.inc_value("marsad/workers_replaced")
            broken.shutdown(wait=False, cancel_futures=True)

    async def _alone(self, page: Page) -> tuple[Article | Drop, float]:
        ctx = multiprocessing.get_context("spawn")
        receive, send = ctx.Pipe(duplex=False)
        process = ctx.Process(target=_isolated, name="marsad-page-alone", daemon=True,
                              args=(page, self.with_events, self.cpu_budget, os.getpid(), send))
        process.start()
        send.close()
        result, code = await asyncio.to_thread(_collect, process, receive)
        if result is not None:
            return result
        if code in (-signal.SIGPROF, -signal.SIGXCPU):
            log.warning("%s took more than %.0f s of CPU (MARSAD_PAGE_CPU_BUDGET); dropped as "
                        "too_slow, its worker replaced", page.url, self.cpu_budget)
            return Drop.for_page(page, DropReason.TOO_SLOW,
                                 f"processing took more than {self.cpu_budget:g} s of CPU"), \
                self.cpu_budget * 1000
        log.warning("the worker processing %s died (exit code %s); dropped", page.url, code)
        return Drop.for_page(page, DropReason.INTERNAL_ERROR, f"the worker died (exit code {code})"), 0.0


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
        self.spool_memory = int(settings.getfloat("MARSAD_SPOOL_MEMORY_MB", 64) * 1024 * 1024)
        self.heap_trim = PeriodicTrim(settings.getfloat("MARSAD_HEAP_TRIM_EVERY", config.DEFAULT_HEAP_TRIM_EVERY))
        self.connection: Any = None
        self.store: Any = None
        self.spool: Any = None
        self.writer: ThreadPoolExecutor | None = None
        # Set (monotonic time) while the database is unreachable and records go to the spool.
        self.outage_since: float | None = None
        self.next_retry = 0.0
        # Set once a write failed for good (a full disk, a refusing server): the crawl
        # stops, and what is left goes to the spool.
        self.failure: WriteFailure | None = None
        self._stopping = False

    @classmethod
    def from_crawler(cls, crawler: Any) -> MongoStorePipeline:
        if not crawler.settings.get("ITEM_PIPELINES"):
            raise NotConfigured
        install_log_redaction()  # no log line of the crawl shows a password
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
        sole_writer = self.connection.embedded is not None
        self.link.known = KnownIndex() if sole_writer else None
        self.store = article_store(self.connection.db, batch_size=self.batch_size,
                                   fetch_states=self.link.fetch_states, sole_writer=sole_writer,
                                   known=self.link.known)
        self.store.ensure_indexes()
        self.link.opened(self.connection.db)
        # The store is used from this one thread only, so batch writes never block the
        # reactor (downloads and processing go on while a batch is written).
        self.writer = ThreadPoolExecutor(1, thread_name_prefix="marsad-store")
        where = self.uri or f"embedded SecantusDB on {self.data_dir} ({self.connection.embedded.uri})"
        log.info("storing into %s, database %r", redact(where), self.database)
        # One subdirectory per database: a spooled record is only ever written back
        # into the database it was meant for.
        self.spool = Spool(Path(self.spool_dir) / self.database, memory_limit=self.spool_memory)
        # What an earlier run could not write goes in first.
        self.writer.submit(self._drain, "left by an earlier run").result()
        if self.failure is not None:
            raise StorageError(self.failure.message)

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
        if self.failure is not None and not self._stopping:
            self._stopping = True
            engine = getattr(self.crawler, "engine", None)
            if engine is not None and getattr(engine, "spider", None) is not None:
                # not awaited: the engine waits for this very item while it closes
                asyncio.ensure_future(engine.close_spider_async(reason="store_failed"))

    # -- on the writer thread: the store, and the spool while the database is away --

    def _where(self) -> str:
        return "MongoDB" if self.uri else "the embedded database"

    def _spool_items(self, items: list[dict[str, Any]]) -> None:
        """Spool ``items``; a spool that cannot take them (nor hold them in memory)
        stops the crawl."""
        try:
            self.spool.append(items)
        except SpoolError as exc:
            why = self.failure.message if self.failure else f"{self._where()} is unreachable."
            self._fail(WriteFailure("fatal", "spool_full", f"{exc}. Records were spooled because {why}"))

    def _store_or_spool(self, record: Article | Drop) -> str:
        if self.outage_since is not None or self.failure is not None:
            kind = "article" if isinstance(record, Article) else "drop"
            self._spool_items([{"kind": kind, "record": record.to_dict()}])
            if self.failure is None:
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
        except Exception as exc:  # a write the server refused is never lost in silence
            self._failed_write(exc)
            return "spooled"
        if self.heap_trim.maybe():
            self.stats.inc_value("marsad/heap_trims")
        return "stored"

    def _failed_write(self, exc: Exception) -> None:
        failure = classify_write_failure(exc, data_dir=None if self.uri else self.data_dir,
                                         where=self._where())
        if failure.kind == "unreachable":
            self._went_away(exc)
        else:
            self._fail(failure)

    def _fail(self, failure: WriteFailure) -> None:
        """A write failed for good: the crawl stops; what is buffered goes to the spool."""
        if self.failure is None:
            self.failure = failure
            self.stats.set_value("marsad/store_error", failure.message)
            self.stats.set_value("marsad/store_failure", failure.cause)
            self.link.down = True  # the spider stops asking it
            log.error("%s The crawl stops.", failure.message)
        if self.store is not None:
            pending = self.store.take_pending()
            if pending:
                self._spool_items(pending)

    def _went_away(self, exc: Exception) -> None:
        pending = self.store.take_pending()
        if self.outage_since is None:
            self.outage_since = time.monotonic()
            self.stats.inc_value("marsad/store_outages")
            self.link.down = True  # the spider stops asking it meanwhile
        self.next_retry = time.monotonic() + self.retry_every
        log.warning("database unreachable (%s); %d buffered records spooled to %s, items keep "
                    "going there; retrying every %.0f s", exc, len(pending),
                    self.spool.directory, self.retry_every)
        self._spool_items(pending)

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
        except Exception as exc:
            self._failed_write(exc)
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
        if self.outage_since is not None and (self.failure is None or self.failure.cause == "spool_full"):
            # one last try: a database back by now takes the spool and what waits in memory
            self._maybe_recover(force=True)
        if self.outage_since is None and self.failure is None:
            try:
                self.store.flush()
            except StorageUnavailableError as exc:
                self._went_away(exc)
            except Exception as exc:
                self._failed_write(exc)
        if self.failure is not None:
            self._fail(self.failure)  # spools what is still buffered
        self.spool.close_segment()
        held = self.spool.held
        left = self.spool.pending_count() - held
        if held:
            # The spool's disk is full and the database does not take them: these records
            # exist in this process only and end with it.
            why = self.failure.message if self.failure else f"{self._where()} is unreachable"
            message = (f"{held} records could not be written anywhere and are lost: the spool's "
                       f"disk is full ({self.spool.disk_error}) and {why}")
            log.error("%s", message)
            if self.failure is None:
                self.stats.set_value("marsad/store_error", message)
            self.stats.set_value("marsad/lost", held)
        if left:
            log.warning("%d records could not be written and wait in the spool %s; the next "
                        "run writes them first", left, self.spool.directory)
            self.stats.set_value("marsad/spool_left", left)

    async def process_item(self, item: Any) -> Any:
        if isinstance(item, Drop):
            if "@" in (item.url or "") or "@" in item.detail:  # a URL's password is not kept
                item = dataclasses.replace(item, url=redact(item.url), detail=redact(item.detail))
            await self._write(item)
            self.stats.inc_value(f"marsad/dropped/{item.code}")
            raise DropItem(f"{item.code}: {item.url}", log_level="INFO")
        if not isinstance(item, Article):
            return item
        await self._write(item)
        self.stats.inc_value("marsad/articles")
        return {"url": item.url, "title": item.title, "published": item.published_local,
                "source": item.source, "events": len(item.events or ())}
