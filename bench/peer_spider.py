"""The peers of ``bench/bench_peers.py``: a bare Scrapy spider over a sitemap, and the same
spider with ``trafilatura.extract`` on every page in a pool of worker processes.

    scrapy runspider bench/peer_spider.py -a sitemap=URL -a mode=bare|trafilatura \
        -a workers=2 -a out=FILE

Writes to FILE (JSON) how many articles it handled and when the first and the last one
was done (``time.time()``), so start-up is left out of the rate.
"""
from __future__ import annotations

import asyncio
import json
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor

import trafilatura
from scrapy.spiders import SitemapSpider


class PeerSpider(SitemapSpider):
    name = "peer"

    def __init__(self, sitemap: str, mode: str = "bare", workers: str = "2", out: str = "peer.json", **kw):
        super().__init__(**kw)
        self.sitemap_urls = [sitemap]
        self.mode = mode
        self.out = out
        self.pool = (ProcessPoolExecutor(int(workers), mp_context=multiprocessing.get_context("spawn"))
                     if mode == "trafilatura" else None)
        self.done = 0
        self.first = self.last = None
        self.text_chars = 0

    async def parse(self, response):
        if self.pool is not None:
            loop = asyncio.get_running_loop()
            text = await loop.run_in_executor(self.pool, trafilatura.extract, response.text)
            self.text_chars += len(text or "")
        now = time.time()
        self.first = self.first or now
        self.last = now
        self.done += 1
        yield {"url": response.url, "size": len(response.body)}

    def closed(self, reason):
        if self.pool is not None:
            self.pool.shutdown(wait=True)
        with open(self.out, "w") as fh:
            json.dump({"articles": self.done, "first": self.first, "last": self.last,
                       "text_chars": self.text_chars, "reason": reason}, fh)
