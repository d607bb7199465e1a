"""The `news` spider: discover article URLs for each source and fetch them.

It only fetches. Each fetched article page is yielded as a ``Page`` record; everything
done to it (decoding, dates, extraction, events, storage) happens in item pipelines that
call ``pipelines.process.process_page`` and the store. Failures are yielded as ``Drop``
records, so every page the crawl meets ends as a stored article or a recorded drop with
its reason. The store pipeline hands the spider an ``ArchiveLink`` for fetch state.
"""
from __future__ import annotations

import asyncio
import builtins
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider, DownloadTimeoutError, IgnoreRequest, NotSupported
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import (
    ConnectionRefusedError,
    DNSLookupError,
    TCPTimedOutError,
    TimeoutError,
)
from twisted.python.failure import Failure

from crawler.archive_link import ArchiveLink
from crawler.claims import Claims, frontier_keys
from crawler.discovery import (
    MAX_SITEMAP_BYTES,
    Entry,
    Listing,
    looks_like_feed,
    parse_feed,
    parse_section,
    parse_sitemap,
    url_problem,
)
from crawler.sources import Source, SourceRegistryError, load_sources, select_sources
from pipelines.records import Drop, DropReason, Page
from pipelines.storage import revisits
from pipelines.urls import canonical_url

# Listing entries turned into requests between two returns to the reactor.
LISTING_CHUNK = 500
# Statuses whose body may be a bot challenge (Cloudflare-style) rather than a refusal.
CHALLENGE_STATUSES = frozenset({401, 403, 429, 503})


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def failure_reason(failure: Failure) -> tuple[DropReason, str]:
    """The drop reason and a human detail for a failed request."""
    exc = failure.value
    if isinstance(exc, HttpError):
        return DropReason.HTTP_STATUS, f"HTTP {exc.response.status}"
    if isinstance(exc, (TimeoutError, TCPTimedOutError, DownloadTimeoutError)):
        return DropReason.TIMEOUT, str(exc)
    if isinstance(exc, DNSLookupError):
        return DropReason.DNS_ERROR, str(exc)
    if isinstance(exc, ConnectionRefusedError):
        return DropReason.CONNECTION_REFUSED, str(exc)
    if isinstance(exc, NotSupported):  # a scheme whose download handler is off
        return DropReason.UNSUPPORTED_SCHEME, str(exc)
    if isinstance(exc, IgnoreRequest):
        text = str(exc)
        if "refused URL scheme" in text:
            return DropReason.UNSUPPORTED_SCHEME, text
        if "robots.txt" in text:
            return DropReason.ROBOTS, text
        if "redirect" in text.lower():
            return DropReason.REDIRECT_LOOP, text
        if "private" in text.lower():
            return DropReason.PRIVATE_ADDRESS, text
        return DropReason.IGNORED, text
    name = type(exc).__name__
    if "Cancelled" in name or "maxsize" in str(exc).lower():
        return DropReason.TOO_LARGE, str(exc)
    return DropReason.FETCH_ERROR, f"{name}: {exc}"[:500]


def _listing_key(url: str) -> str:
    """A listing URL as one string per resource: scheme and host lower-cased, default port,
    empty query and fragment dropped. Not ``canonical_url``: its article rules (AMP paths,
    tracking parameters, index pages) could fold two different listings into one."""
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    host = f"[{host}]" if ":" in host else host
    netloc = host if port in (None, {"http": 80, "https": 443}.get(scheme)) else f"{host}:{port}"
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


def _sitemap_or_feed(body: bytes, url: str) -> Listing:
    """A registry's sitemap URL may serve a feed: read it as what it is."""
    if looks_like_feed(body):
        listing = parse_feed(body, url)
        listing.kind = "feed"
        return listing
    return parse_sitemap(body, url)


class NewsSpider(scrapy.Spider):
    name = "news"

    def __init__(self, source: str | None = None, registry: str | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.source_arg = source
        self.registry_arg = registry
        self.sources: dict[str, Source] = {}
        # canonical URL -> hints gathered so far; a URL met again (feed and sitemap) only
        # adds what the earlier listing lacked, the request is not repeated.
        self.known: dict[str, dict] = {}
        # URLs a listing is deciding on right now (between its store look-up and its
        # requests): another listing of the same run must not schedule them a second time.
        self._deciding: set[str] = set()
        # Listings (feeds, sitemaps, section pages) asked for in this run, per source (two
        # sources may share a feed), URLs normalised by ``_listing_key``: each is fetched
        # once, so a sitemap index naming itself or a cycle A -> B -> A ends. Listing
        # requests bypass Scrapy's duplicate filter (they are re-read on purpose from one
        # run to the next), so this set is what stops a loop.
        self.listings_seen: set[str] = set()
        # Listing parsing runs off the reactor thread; over this many seconds the listing
        # is dropped (listing_too_slow) instead of holding the crawl (MARSAD_LISTING_PARSE_TIMEOUT).
        self.listing_timeout = 60.0
        self.scheduled_per_source: Counter[str] = Counter()
        self.incremental = True
        self.revisits: tuple[float, ...] = revisits.DEFAULT_REVISITS
        self.section_pages = 3  # MARSAD_SECTION_PAGES
        self.url_length_limit = 2083  # URLLENGTH_LIMIT
        self.max_articles: int | None = None  # MARSAD_MAX_ARTICLES
        # Replaced by the store pipeline's link (attach_archive); unlinked, the crawl
        # keeps no fetch state and behaves as a full crawl.
        self.archive = ArchiveLink()
        self.distributed = False
        self.claims: Claims | None = None

    @classmethod
    def update_settings(cls, settings: Any) -> None:
        super().update_settings(settings)
        if settings.get("REDIS_URL"):
            # Distributed mode: one shared frontier in Redis (scrapy-redis queue, claims
            # as duplicate filter, crawler/claims.py); a record is acknowledged once
            # written, so batches of one.
            keys = frontier_keys(settings.get("MARSAD_FRONTIER") or "default")
            for name, value in {
                "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
                "SCHEDULER_PERSIST": True,
                "SCHEDULER_QUEUE_KEY": keys["requests"],
                "DUPEFILTER_CLASS": "crawler.claims.ClaimingDupeFilter",
                "MONGO_BATCH_SIZE": 1,
            }.items():
                settings.set(name, value, priority="spider")

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> NewsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        if crawler.settings.get("REDIS_URL"):
            spider._setup_distributed(crawler)
        registry = spider.registry_arg or crawler.settings.get("MARSAD_SOURCES")
        try:
            chosen = select_sources(load_sources(registry), spider.source_arg)
        except SourceRegistryError as exc:
            spider.logger.error("%s", exc)  # one clear line before Scrapy's traceback
            raise
        spider.sources = {s.id: s for s in chosen}
        spider.section_pages = crawler.settings.getint("MARSAD_SECTION_PAGES", 3)
        spider.listing_timeout = crawler.settings.getfloat("MARSAD_LISTING_PARSE_TIMEOUT", 60.0)
        spider.url_length_limit = crawler.settings.getint("URLLENGTH_LIMIT", 2083)
        spider.max_articles = crawler.settings.getint("MARSAD_MAX_ARTICLES", 0) or None
        spider.incremental = crawler.settings.getbool("MARSAD_INCREMENTAL", True)
        spider.revisits = tuple(float(x) for x in crawler.settings.getlist(
            "MARSAD_REVISIT_AFTER", list(revisits.DEFAULT_REVISITS)))
        # One download slot per source, so crawl_delay and concurrency are per site even
        # when several sources share a host. Settings are not frozen yet at this point.
        slots = dict(crawler.settings.getdict("DOWNLOAD_SLOTS"))
        for s in chosen:
            slots.setdefault(s.id, {"delay": s.crawl_delay})
        crawler.settings.set("DOWNLOAD_SLOTS", slots, priority="spider")
        return spider

    def attach_archive(self, link: ArchiveLink) -> None:
        """Called by the store pipeline as it is built: fetch state goes through its database."""
        self.archive = link

    # -- requests ---------------------------------------------------------------

    def _request(self, url: str, source: Source, callback: Any, headers: dict | None = None,
                 **meta: Any) -> scrapy.Request:
        meta.update(source=source.id, download_slot=source.id)
        if meta.get("listing") and callback != self.parse_section:
            # The sitemap protocol allows 50 MB uncompressed; DOWNLOAD_MAXSIZE is for pages.
            meta.setdefault("download_maxsize", max(MAX_SITEMAP_BYTES + 1,
                                                    self.crawler.settings.getint("DOWNLOAD_MAXSIZE")))
        # Listings are re-read on purpose, and articles are de-duplicated by the spider
        # itself (by canonical URL). Keeping Scrapy's filter off for articles also means a
        # redirect loop runs into REDIRECT_MAX_TIMES and is recorded, instead of being
        # silently filtered as a duplicate when it comes back to its first URL.
        dont_filter = bool(meta.get("listing")) or ("article_key" in meta and not self.distributed)
        return scrapy.Request(url, callback=callback, errback=self.on_error, meta=meta,
                              dont_filter=dont_filter, headers=headers)

    def _request_or_drop(self, url: str, source: Source, callback: Any, headers: dict | None = None,
                         **meta: Any) -> scrapy.Request | Drop:
        """A request, or the drop saying why ``url`` cannot be one: a listing is written by
        the site, and one bad entry must not cost the listing's other entries."""
        problem = url_problem(url, self.url_length_limit)
        if problem is None:
            try:
                return self._request(url, source, callback, headers=headers, **meta)
            except (ValueError, TypeError, UnicodeError) as exc:
                problem = DropReason.BAD_URL, f"cannot request URL: {type(exc).__name__}: {exc}"[:500]
        reason, detail = problem
        self.crawler.stats.inc_value(f"marsad/refused_url/{reason.value}")
        self.logger.info("not requested (%s): %s %s", reason.value, url[:300], detail)
        return self._failure(url, source, reason, detail, None)

    # -- distributed crawling -----------------------------------------------------

    def _setup_distributed(self, crawler: Any) -> None:
        from scrapy_redis.connection import get_redis_from_settings  # only in distributed mode

        self.distributed = True
        self.claims = Claims(get_redis_from_settings(crawler.settings),
                             crawler.settings.get("MARSAD_FRONTIER") or "default",
                             crawler.settings.getfloat("MARSAD_CLAIM_LEASE", 300))
        crawler.signals.connect(self._claim_fetching, signal=signals.request_reached_downloader)
        crawler.signals.connect(self._claim_done_item, signal=signals.item_scraped)
        crawler.signals.connect(self._claim_done_item, signal=signals.item_dropped)
        crawler.signals.connect(self._claim_done_listing, signal=signals.response_received)
        crawler.signals.connect(self._recover_claims, signal=signals.spider_idle)

    def _claim_fetching(self, request: scrapy.Request, spider: Any = None) -> None:
        if self.claims is not None and (not request.dont_filter or request.meta.get("recovered")):
            self.claims.fetching(request.meta.get("article_key") or request.url)

    def _claim_done_item(self, item: Any, response: Any = None, **_: Any) -> None:
        # The signal's response is a Failure for items made by the errback.
        meta = getattr(response, "meta", None)
        if meta is None:
            meta = getattr(getattr(response, "request", None), "meta", None)
        url = (meta or {}).get("article_key") or (item.get("url") if isinstance(item, dict)
                                                   else getattr(item, "url", None))
        if url and self.claims is not None:
            self.claims.done(url)

    def _claim_done_listing(self, response: Response, request: scrapy.Request, **_: Any) -> None:
        if self.claims is not None and "article_key" not in request.meta and not request.dont_filter:
            self.claims.done(request.url)  # a pagination page: it yields no item

    def _stored(self, claim: dict) -> bool:
        db = self.archive.db
        return db is not None and revisits.is_stored(db, claim["key"], claim["url"])

    def _recover_claims(self, spider: Any = None) -> None:
        """When this worker runs dry: wait while other workers hold live claims, and
        fetch again what a dead worker had taken and not stored."""
        assert self.claims is not None  # connected in distributed mode only
        live, expired = self.claims.pending()
        recovered = 0
        for claim in expired:
            source = self.sources.get(claim.get("source") or "")
            if not claim.get("article") or source is None or self._stored(claim):
                self.claims.done(claim["key"])
                self.crawler.stats.inc_value("marsad/distributed/expired_closed")
                continue
            self.claims.reclaim(claim)
            request = self._request(claim["url"], source, self.parse_article, article_key=claim["key"],
                                    recovered=True)
            request.dont_filter = True
            self.crawler.engine.crawl(request)
            recovered += 1
        if recovered:
            self.crawler.stats.inc_value("marsad/distributed/recovered", recovered)
            self.logger.info("recovered %d requests left by a stopped worker", recovered)
        if recovered or live:
            raise DontCloseSpider
        self.claims.clear()  # crawl complete: the next run starts a fresh frontier

    # -- incremental crawling -----------------------------------------------------

    async def _in_store(self, job: Any, *args: Any) -> Any:
        """Run a fetch-state read or write off the reactor thread, on the store pipeline's
        connection; None when the database is missing or failing (the crawl then behaves
        as a full crawl)."""
        if not self.archive.connected or not self.incremental:
            return None
        db = self.archive.db
        if db is None:
            # During an outage each look-up would wait the full server timeout; fetch as
            # if new instead (the store de-duplicates) until the store pipeline sees it back.
            self.crawler.stats.inc_value("marsad/incremental/skipped_during_outage")
            return None
        try:
            return await asyncio.to_thread(job, db, *args)
        except Exception as exc:  # the store's own pipeline reports outages
            self.crawler.stats.inc_value("marsad/incremental/store_errors")
            self.logger.warning("fetch state unavailable (%s); fetching as if new", exc)
            return None

    def _resume_state(self) -> None:
        # With JOBDIR, Scrapy pickles self.state between runs: discovery bookkeeping kept
        # there survives a pause, so a resumed crawl does not schedule articles twice.
        state = getattr(self, "state", None)
        if isinstance(state, dict):
            self.known = state.setdefault("known", self.known)
            self.scheduled_per_source = state.setdefault("scheduled", self.scheduled_per_source)

    async def start(self) -> AsyncIterator[Any]:
        self._resume_state()
        await self._in_store(lambda db: revisits.ensure_fetch_state_indexes(db))
        if not self.sources:
            self.logger.warning("no enabled source in the registry; nothing to crawl")
        for source in self.sources.values():
            for url in source.sitemaps:
                if self._first_visit(url, source):
                    yield self._request(url, source, self.parse_sitemap, listing=True)
            for url in source.feeds:
                if self._first_visit(url, source):
                    yield self._request(url, source, self.parse_feed, listing=True)
            for section in source.sections:
                if self._first_visit(section.url, source):
                    yield self._request(section.url, source, self.parse_section, listing=True,
                                        section_url=section.url, depth_left=self.section_pages - 1)
            entries = [Entry(url=url, via="start") for url in source.start_urls]
            for request in await self._article_requests(entries, source):
                yield request

    async def _article_requests(self, entries: list[Entry],
                                source: Source) -> list[scrapy.Request | Drop]:
        """Requests for the entries worth fetching: new ones, and known articles whose
        revisit is due (``pipelines.storage.revisits``), asked conditionally. An entry that
        cannot be requested becomes a drop. A URL is marked known only once its request
        is built (or it was found not due), so a failure here never hides it from the
        other listings of the run, nor, with JOBDIR, from the next one."""
        fresh: list[tuple[Entry, str, dict]] = []
        batch: set[str] = set()
        limit = source.max_articles or self.max_articles
        for entry in entries:
            key = canonical_url(entry.url)
            hints = {k: v for k, v in entry.hints().items() if v}
            if key in self.known:
                known = self.known[key]
                for k, v in hints.items():
                    known.setdefault(k, v)
                continue
            if key in batch or key in self._deciding:
                continue
            if limit and self.scheduled_per_source[source.id] + len(fresh) >= limit:
                break
            batch.add(key)
            fresh.append((entry, key, hints))
        self._deciding.update(batch)
        try:
            return await self._decide(fresh, source)
        finally:
            self._deciding.difference_update(batch)

    async def _decide(self, fresh: list[tuple[Entry, str, dict]],
                      source: Source) -> list[scrapy.Request | Drop]:
        """Requests (or drops) for the fresh entries of one listing, after one store look-up."""
        stored = await self._in_store(revisits.lookup_known, [key for _, key, _ in fresh],
                                      self.archive.known) or {}
        now = datetime.now(UTC)
        out: list[scrapy.Request | Drop] = []
        for entry, key, hints in fresh:
            previous = stored.get(key)
            reason = revisits.revisit_reason(previous, hints, now, self.revisits)
            if reason is None:
                self.known[key] = hints
                self.crawler.stats.inc_value("marsad/incremental/not_due")
                continue
            headers = revisits.conditional_headers(previous)
            extra: dict[str, Any] = {"handle_httpstatus_list": [304]} if headers else {}
            if previous is None:
                extra["fetch_new"] = True      # its fetch state is most likely inserted
            request = self._request_or_drop(entry.url, source, self.parse_article, headers=headers or None,
                                            article_key=key, **extra)
            out.append(request)
            if isinstance(request, Drop):
                continue
            self.known[key] = hints
            if previous is not None:
                self.crawler.stats.inc_value(f"marsad/incremental/{reason}")
            self.scheduled_per_source[source.id] += 1
            self.crawler.stats.inc_value(f"marsad/discovered/{entry.via}")
        return out

    async def _follow_listing(self, listing: Listing, source: Source,
                              response: Response) -> AsyncIterator[Any]:
        for rejected in listing.rejected:
            self.crawler.stats.inc_value(f"marsad/refused_url/{rejected.reason.value}")
            yield self._failure(rejected.url, source, rejected.reason,
                                f"listed in {response.url[:300]}: {rejected.detail}", None)
        # A sitemap may list 50,000 URLs and each costs ~0.15 ms here (canonical key,
        # request): in chunks, handing the reactor back between them, so a big listing
        # never holds the crawl for seconds.
        entries = listing.articles
        for start in range(0, len(entries), LISTING_CHUNK):
            if start:
                await asyncio.sleep(0)
            for request in await self._article_requests(entries[start:start + LISTING_CHUNK], source):
                yield request
        for url in listing.sitemaps:
            if self._first_visit(url, source):
                yield self._request_or_drop(url, source, self.parse_sitemap, listing=True)

    def _first_visit(self, url: str, source: Source) -> bool:
        """True the first time this run asks for the listing ``url`` for ``source``; after
        that the repeat is counted and logged, not fetched."""
        key = f"{source.id} {_listing_key(url)}"
        if key in self.listings_seen:
            self.crawler.stats.inc_value("marsad/listing_repeats_skipped")
            self.logger.info("listing already visited in this run, not fetched again: %s", url[:300])
            return False
        self.listings_seen.add(key)
        return True

    async def _parse_listing(self, response: Response, parse: Any, *args: Any) -> Listing | Drop:
        """``parse(body, url, *args)`` in a thread, so a hostile listing cannot hold the
        reactor; a drop when it takes longer than ``listing_timeout`` seconds (the thread
        is left to finish: the parsers bound their own inputs, see discovery)."""
        source = self.sources[response.meta["source"]]
        try:
            return await asyncio.wait_for(asyncio.to_thread(parse, response.body, response.url, *args),
                                          self.listing_timeout)
        except builtins.TimeoutError:  # the name TimeoutError is twisted's here
            self.crawler.stats.inc_value("marsad/fetch_errors/listing_too_slow")
            detail = (f"parsing the listing took over {self.listing_timeout:g} s "
                      f"({len(response.body)} bytes); MARSAD_LISTING_PARSE_TIMEOUT")
            self.logger.warning("listing dropped (listing_too_slow): %s %s", response.url, detail)
            return self._failure(response.url, source, DropReason.LISTING_TOO_SLOW, detail, response.status)

    async def _listing_outputs(self, listing: Listing | Drop, response: Response,
                               empty: str | None) -> AsyncIterator[Any]:
        source = self.sources[response.meta["source"]]
        if isinstance(listing, Drop):
            yield listing
            return
        if listing.failure is not None:
            reason, detail = listing.failure
            self.crawler.stats.inc_value(f"marsad/fetch_errors/{reason.value}")
            yield self._failure(response.url, source, reason, detail, response.status)
        elif empty and not listing.articles and not listing.sitemaps:
            yield self._failure(response.url, source, DropReason.EMPTY_LISTING, empty, response.status)
        async for out in self._follow_listing(listing, source, response):
            yield out

    # -- callbacks --------------------------------------------------------------

    async def parse_sitemap(self, response: Response) -> AsyncIterator[Any]:
        listing = await self._parse_listing(response, _sitemap_or_feed)
        empty = "feed has no items" if getattr(listing, "kind", "") == "feed" else "sitemap has no URLs"
        async for out in self._listing_outputs(listing, response, empty):
            yield out

    async def parse_feed(self, response: Response) -> AsyncIterator[Any]:
        listing = await self._parse_listing(response, parse_feed)
        async for out in self._listing_outputs(listing, response, "feed has no items"):
            yield out

    async def parse_section(self, response: Response) -> AsyncIterator[Any]:
        source = self.sources[response.meta["source"]]
        section = next((s for s in source.sections if s.url == response.meta.get("section_url")), None)
        pattern = section.article_pattern if section else source.sections[0].article_pattern
        listing = await self._parse_listing(response, parse_section, pattern)
        async for out in self._listing_outputs(listing, response, None):
            yield out
        depth_left = response.meta.get("depth_left", 0)
        if depth_left > 0 and isinstance(listing, Listing):
            for url in listing.pages:
                if self._first_visit(url, source):
                    yield self._request_or_drop(url, source, self.parse_section, listing=False,
                                                section_url=response.meta.get("section_url"),
                                                depth_left=depth_left - 1)

    async def parse_article(self, response: Response) -> AsyncIterator[Page]:
        key = response.meta.get("article_key") or canonical_url(response.url)
        source = self.sources[response.meta["source"]]
        now = datetime.now(UTC).replace(microsecond=0)
        if response.status == 304:
            # Unchanged since the stored fetch: only last_seen moves.
            self.crawler.stats.inc_value("marsad/not_modified")
            update = revisits.fetch_update(key, source=source.id, status=304, at=now)
            def not_modified(db: Any) -> None:
                revisits.record_fetches(db, [update], self.archive.known)
                revisits.mark_not_modified(db, [key], now, self.archive.known)

            await self._in_store(not_modified)
            if self.claims is not None:
                self.claims.done(key)  # no item follows a 304
            return
        etag, modified = response.headers.get("ETag"), response.headers.get("Last-Modified")
        update = revisits.fetch_update(key, source=source.id, status=response.status, at=now,
                                       etag=etag.decode("latin-1") if etag else None,
                                       last_modified=modified.decode("latin-1") if modified else None,
                                       new=bool(response.meta.get("fetch_new")))
        if self.incremental and self.archive.connected:
            self.archive.fetch_states.add(update)  # written with the store's next batch
        for item in self._page_items(response):
            yield item

    def _page_items(self, response: Response) -> Iterator[Page]:
        source = self.sources[response.meta["source"]]
        key = response.meta.get("article_key") or canonical_url(response.url)
        content_type = response.headers.get("Content-Type")
        yield Page(
            url=response.meta.get("redirect_urls", [response.url])[0],
            final_url=response.url,
            status=response.status,
            body=response.body,
            content_type=content_type.decode("latin-1") if content_type else None,
            source=source.id,
            fetched_at=_now(),
            timezone=source.timezone,
            language=source.language,
            xpaths=source.xpaths or None,
            hints=dict(self.known.get(key, {})),
            source_hosts=source.own_hosts,
        )

    def on_error(self, failure: Failure) -> Iterator[Page | Drop]:
        request = failure.request  # type: ignore[attr-defined]  # set by Scrapy on errback failures
        source = self.sources.get(request.meta.get("source", ""))
        response = failure.value.response if isinstance(failure.value, HttpError) else None
        if (response is not None and response.status in CHALLENGE_STATUSES
                and response.body and request.meta.get("article_key")):
            # Anti-bot challenges answer 403/503 with a page; the processing stage tells a
            # challenge from a plain refusal and records which it was.
            self.crawler.stats.inc_value(f"marsad/fetch_errors/http_{response.status}")
            yield from self._page_items(response)
            return
        reason, detail = failure_reason(failure)
        status = response.status if response is not None else None
        drop = self._failure(request.url, source, reason, detail, status)
        self.crawler.stats.inc_value(f"marsad/fetch_errors/{drop.code}")
        self.logger.info("fetch failed (%s): %s %s", drop.code, request.url, detail)
        yield drop

    def _failure(self, url: str, source: Source | None, reason: DropReason, detail: str,
                 status: int | None) -> Drop:
        return Drop(url=url, reason=reason, detail=detail, source=source.id if source else None,
                    status=status, fetched_at=_now())
