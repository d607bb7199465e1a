"""``scrapy crawl`` with honest exit codes.

- 0: the crawl ran (finished, or stopped on purpose).
- 1: the crawl started but its storage failed (a full disk, a refusing server, records
  that could not be written anywhere); the log says why, and so does the last line.
- 2: the crawl could not start (a malformed MONGO_URI, an unreachable Redis, an unusable
  data directory, an unknown source, ...): one line naming the cause, no traceback.
"""
from __future__ import annotations

import asyncio
import sys
from typing import Any

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.exceptions import UsageError

from crawler.preflight import StartupError, describe_startup_error, preflight
from pipelines.secrets import install_log_redaction

EXIT_STORE_FAILED = 1
EXIT_STARTUP = 2


class Command(ScrapyCrawl):
    def run(self, args: list[str], opts: Any) -> None:
        if len(args) != 1:
            raise UsageError("give one spider name (news)" if args else None)
        assert self.crawler_process is not None
        install_log_redaction()
        try:
            preflight(self.crawler_process.settings, opts.spargs)
        except StartupError as exc:
            self._fail_start(str(exc))
            return
        crawler = self._create_crawler(args[0])
        failures: list[BaseException] = []

        def keep_failure(task: asyncio.Future[Any]) -> None:
            error = None if task.cancelled() else task.exception()  # retrieved: no traceback
            if error is not None:
                failures.append(error)

        task: Any = self.crawler_process.crawl(crawler, **opts.spargs)
        if isinstance(task, asyncio.Future):
            task.add_done_callback(keep_failure)
        self.crawler_process.start()
        stats = crawler.stats.get_stats() if crawler.stats is not None else {}
        if failures and not stats.get("start_time"):
            self._fail_start(describe_startup_error(failures[0]))
        elif failures:
            sys.stderr.write(f"marsad crawl: error: the crawl failed: "
                             f"{describe_startup_error(failures[0])}\n")
            self.exitcode = EXIT_STORE_FAILED
        elif stats.get("marsad/store_error"):
            sys.stderr.write(f"marsad crawl: error: {stats['marsad/store_error']}\n")
            self.exitcode = EXIT_STORE_FAILED
        elif self.crawler_process.bootstrap_failed:
            self._fail_start("the crawl could not start (see the log above)")

    def _fail_start(self, message: str) -> None:
        sys.stderr.write(f"marsad crawl: error: {message}\n")
        self.exitcode = EXIT_STARTUP
