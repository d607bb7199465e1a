"""Distributed crawls: per-URL claims in Redis.

With REDIS_URL set, the crawl's queue is scrapy-redis's and ``ClaimingDupeFilter`` is its
duplicate filter. A plain "seen" set would lose every request a killed worker had taken
from the queue: its URLs are "seen" and nobody fetches them again. Here each request is
a *claim* (queued → fetching with an expiry → done). A worker that runs out of work looks
at claims whose expiry passed: if the store has the page, the claim is closed; if not,
the request is scheduled again. Done means "written to the store" (the item signals fire
after the store pipeline), so a killed worker loses nothing it had taken.

(Per-source leases in MongoDB, for the scheduler, are ``crawler.locks``.)
"""
from __future__ import annotations

import hashlib
import json
import os
import time as _time
from typing import Any

from pipelines.urls import canonical_url


def frontier_keys(frontier: str) -> dict[str, str]:
    return {"requests": f"marsad:{frontier}:requests", "claims": f"marsad:{frontier}:claims"}


def claim_id(url: str) -> str:
    return hashlib.sha1(canonical_url(url).encode("utf-8")).hexdigest()


class ClaimingDupeFilter:
    """scrapy-redis duplicate filter that records a claim per canonical URL."""

    def __init__(self, server: Any, key: str, ttl: float):
        self.server = server
        self.key = key
        self.ttl = ttl  # the whole claims hash expires this long after its last change

    @classmethod
    def from_spider(cls, spider: Any) -> ClaimingDupeFilter:
        from scrapy_redis.connection import get_redis_from_settings  # only in distributed mode

        settings = spider.settings
        keys = frontier_keys(settings.get("MARSAD_FRONTIER", "default"))
        return cls(get_redis_from_settings(settings), keys["claims"],
                   settings.getfloat("MARSAD_FRONTIER_TTL", 6 * 3600))

    @classmethod
    def from_settings(cls, settings: Any) -> ClaimingDupeFilter:  # pragma: no cover - from_spider is used
        raise NotImplementedError("ClaimingDupeFilter needs the scrapy-redis scheduler")

    def request_seen(self, request: Any) -> bool:
        if request.meta.get("redirect_urls"):
            return False  # the next hop of a claimed request (loops end at REDIRECT_MAX_TIMES)
        key = request.meta.get("article_key") or request.url
        claim = json.dumps({"state": "queued", "url": request.url, "key": key,
                            "article": "article_key" in request.meta,
                            "source": request.meta.get("source"), "at": _time.time()})
        added = self.server.hsetnx(self.key, claim_id(key), claim)
        self.server.expire(self.key, int(self.ttl))
        return not added

    def open(self) -> None:
        pass

    def close(self, reason: str = "") -> None:
        pass  # the frontier is shared: the last worker clears it (see Claims.clear)

    def clear(self) -> None:
        self.server.delete(self.key)

    def log(self, request: Any, spider: Any) -> None:
        pass


class Claims:
    """The spider's side of the claims: start, finish, and recover expired ones."""

    def __init__(self, server: Any, frontier: str, lease: float):
        self.server = server
        self.keys = frontier_keys(frontier)
        self.lease = lease

    def _update(self, url: str, **fields: Any) -> None:
        cid = claim_id(url)
        raw = self.server.hget(self.keys["claims"], cid)
        if raw is None:
            return
        claim = json.loads(raw)
        claim.update(fields)
        self.server.hset(self.keys["claims"], cid, json.dumps(claim))

    def fetching(self, url: str) -> None:
        self._update(url, state="fetching", expires=_time.time() + self.lease, pid=os.getpid())

    def done(self, url: str) -> None:
        self._update(url, state="done")

    def pending(self) -> tuple[int, list[dict]]:
        """(claims some live worker still owns, expired claims to check)."""
        now = _time.time()
        live, expired = 0, []
        queued = self.queue_length()
        for cid, raw in self.server.hgetall(self.keys["claims"]).items():
            claim = json.loads(raw)
            state = claim.get("state")
            if state == "done":
                continue
            if state == "fetching" and claim.get("expires", 0) > now:
                live += 1
            elif state == "queued" and (queued or now - claim.get("at", 0) < self.lease):
                live += 1  # still waiting in the shared queue (or just taken from it)
            else:
                claim["id"] = cid.decode() if isinstance(cid, bytes) else cid
                expired.append(claim)
        return live, expired

    def queue_length(self) -> int:
        kind = self.server.type(self.keys["requests"])
        kind = kind.decode() if isinstance(kind, bytes) else kind
        if kind == "zset":
            return self.server.zcard(self.keys["requests"])
        return self.server.llen(self.keys["requests"]) if kind == "list" else 0

    def reclaim(self, claim: dict) -> None:
        claim = {k: v for k, v in claim.items() if k != "id"}
        claim.update(state="queued", at=_time.time(), recovered=claim.get("recovered", 0) + 1)
        self.server.hset(self.keys["claims"], claim_id(claim["key"]), json.dumps(claim))

    def clear(self) -> None:
        self.server.delete(self.keys["claims"], self.keys["requests"])
