"""Scrapy settings for Marsad.

Every Marsad-specific knob is a Scrapy setting, so it can be given per run with
``-s NAME=VALUE``; the ones users set most often also read the environment.
"""
from __future__ import annotations

import os

from pipelines import config

BOT_NAME = "marsad"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
# `scrapy crawl` with exit codes that say what failed (crawler/scrapy_commands/crawl.py).
COMMANDS_MODULE = "crawler.scrapy_commands"

# -- Marsad ---------------------------------------------------------------------
# Registry of sources (crawler/sources.yaml when unset).
MARSAD_SOURCES = os.environ.get("MARSAD_SOURCES") or None
# How many pages of each section to follow through pagination.
MARSAD_SECTION_PAGES = 3
# Stop scheduling articles for a source after this many (0: no limit).
MARSAD_MAX_ARTICLES = 0
# Worker processes for decoding/dates/extraction/events; 0 runs them on the reactor thread.
MARSAD_PROCESS_WORKERS = int(os.environ.get("MARSAD_PROCESS_WORKERS", os.cpu_count() or 1))
# CPU seconds one page may cost in a worker; over it the worker is ended and replaced,
# and the page becomes a `too_slow` drop (0: no limit).
MARSAD_PAGE_CPU_BUDGET = 25.0
# Extract conflict events from each article (when the events stage is installed).
MARSAD_EVENTS = True
# Write a crawl_runs document at the end of each run; its id (the scheduler passes one).
MARSAD_RUN_RECORDS = True
MARSAD_RUN_ID = os.environ.get("MARSAD_RUN_ID") or None
# Incremental crawling: a known article is fetched again only at these ages (seconds
# after its first fetch), then only when a feed or sitemap shows a newer date; re-fetches
# are conditional (ETag / Last-Modified). False fetches every discovered article.
MARSAD_INCREMENTAL = True
MARSAD_REVISIT_AFTER = [3600, 86400]
# Also write every fetched article response to .warc.gz files in this directory (unset: no).
MARSAD_WARC_DIR = os.environ.get("MARSAD_WARC_DIR") or None
MARSAD_WARC_MAX_BYTES = 1_000_000_000
# Distributed mode: with a Redis URL, every worker shares one frontier (scrapy-redis queue
# and per-URL claims) named MARSAD_FRONTIER; a claim not stored within MARSAD_CLAIM_LEASE
# seconds of its fetch starting is fetched again by another worker.
REDIS_URL = os.environ.get("REDIS_URL") or None
MARSAD_FRONTIER = os.environ.get("MARSAD_FRONTIER", "default")
MARSAD_CLAIM_LEASE = 300
# Feeds, sitemaps and section pages are parsed off the reactor thread; one whose parsing
# takes longer than this (seconds) is dropped as listing_too_slow.
MARSAD_LISTING_PARSE_TIMEOUT = 60.0

# -- Storage (defaults and environment: pipelines/config.py) ----------------------
# A MongoDB URI; when unset, an embedded SecantusDB server runs in-process on MONGO_DATA_DIR.
MONGO_URI = config.mongo_uri()
MONGO_DATABASE = config.database()
MONGO_DATA_DIR = config.data_dir()
MONGO_BATCH_SIZE = config.DEFAULT_BATCH_SIZE
# The embedded server's WiredTiger cache in MiB (bounds the crawler's memory).
MARSAD_EMBEDDED_CACHE_MB = config.embedded_cache_mb()
# Run the embedded server in a child process of its own (a second core for the database).
MARSAD_EMBEDDED_PROCESS = config.embedded_own_process()
# Where records wait while the database is unreachable (written back when it answers
# again, or at the next run's start), and how often to try it meanwhile (seconds).
MARSAD_SPOOL_DIR = config.spool_dir()
MARSAD_SPOOL_RETRY = 10.0
# While the spool's disk is full too, records wait in memory up to this much (MB); past
# it the crawl stops, saying how many records could not be written anywhere.
MARSAD_SPOOL_MEMORY_MB = 64
# Every this many seconds the store's writer gives the C heap's free pages back to the
# system (glibc's malloc_trim; a long crawl's RSS otherwise grows with freed-but-mapped
# memory). 0 turns it off.
MARSAD_HEAP_TRIM_EVERY = config.heap_trim_every()
# How long a database operation waits for an unreachable server before giving up
# (milliseconds); a write that gives up sends its batch to the spool.
MONGO_TIMEOUT_MS = config.SERVER_SELECTION_TIMEOUT_MS

SPIDER_MIDDLEWARES = {
    "crawler.middlewares.RecordSpiderErrors": 950,  # nearest the spider
}
DOWNLOADER_MIDDLEWARES = {
    # Before robots.txt (100): a refused host is not even asked for its robots.txt.
    "crawler.middlewares.RefusePrivateAddresses": 50,
    # robots.txt per RFC 9309 (unreachable: disallow all; 4xx: allow; first 500 KiB read).
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.middlewares.ObeyRobotsTxt": 100,
    # Last to see a response, so it writes decoded bodies of final (redirected) pages.
    "crawler.middlewares.WriteWarc": 60,
}

# Only http(s) is fetched: the handlers that would read local files, inline data, FTP
# servers or S3 buckets are off, so a hostile listing cannot name them.
DOWNLOAD_HANDLERS = {"file": None, "data": None, "ftp": None, "s3": None}

ITEM_PIPELINES = {
    "crawler.item_pipelines.ProcessPagePipeline": 100,
    "crawler.item_pipelines.MongoStorePipeline": 900,
}

# -- Politeness and robustness ----------------------------------------------------
USER_AGENT = "Marsad/0.1 (+https://github.com/marsad-observatory/marsad; news archiving for research)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 32
CONCURRENT_REQUESTS_PER_DOMAIN = 8
# Scrapy starts this many asyncio tasks for every response; an article response holds
# one item, so the default (100) only costs CPU on the reactor thread.
CONCURRENT_ITEMS = 8
DOWNLOAD_DELAY = 0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 4.0
EXTENSIONS = {
    # Scrapy's CoreStats, quiet about a crawl that never opened (crawler/runs.py).
    "scrapy.extensions.corestats.CoreStats": None,
    "crawler.runs.StartSafeCoreStats": 0,
    # Replaces the stock AutoThrottle so a source's crawl_delay stays a floor.
    "scrapy.extensions.throttle.AutoThrottle": None,
    "crawler.throttle.SourceAutoThrottle": 0,
    # One crawl_runs document per run (crawler/runs.py).
    "crawler.runs.RunRecorder": 500,
}
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 32 * 1024 * 1024
DOWNLOAD_WARNSIZE = 8 * 1024 * 1024
REDIRECT_MAX_TIMES = 10
# Error responses reach the errback, where they are recorded as drops with their status.
HTTPERROR_ALLOWED_CODES: list[int] = []
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False

# Drops are logged at INFO, naming the page (items carry raw HTML, never logged).
LOG_LEVEL = os.environ.get("MARSAD_LOG_LEVEL", "INFO")
DEFAULT_DROPITEM_LOG_LEVEL = "INFO"
LOG_FORMATTER = "crawler.logformat.QuietLogFormatter"

FEED_EXPORT_ENCODING = "utf-8"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
