"""Per-source leases in MongoDB, so one source never runs twice at once on any machine.

A lease is one document in ``crawl_locks`` (``_id`` = the lock name) naming its holder
and an expiry. Taking it is a single upsert that matches only a free or expired lease,
so two takers race on the unique ``_id`` and exactly one wins. The holder renews the
expiry while it works (``heartbeat``); a holder that dies stops renewing, and the lease
is free once it expires. Expiries use the taker's clock: keep machine clocks in sync
(NTP) and leases much longer than the skew between them.
"""
from __future__ import annotations

import datetime as _dt
import os
import socket
import threading
import uuid
from typing import Any

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError, PyMongoError

LOCKS = "crawl_locks"


def _now() -> _dt.datetime:
    moment = _dt.datetime.now(_dt.timezone.utc)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


class LeaseLost(RuntimeError):
    """The lease expired or was taken over before it was renewed."""


class Lease:
    """A named lease; ``acquire()`` returns whether it was taken."""

    def __init__(self, db: Any, name: str, ttl: float = 60.0, *, holder: str | None = None,
                 info: dict | None = None):
        if ttl <= 0:
            raise ValueError("lease ttl must be positive")
        self.collection = db[LOCKS]
        self.name = name
        self.ttl = float(ttl)
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.info = dict(info or {})
        self.held = False

    def _expiry(self) -> _dt.datetime:
        return _now() + _dt.timedelta(seconds=self.ttl)

    def acquire(self) -> bool:
        """Take the lease if it is free, expired or already ours."""
        now = _now()
        try:
            self.collection.find_one_and_update(
                {"_id": self.name, "$or": [{"expires_at": {"$lt": now}}, {"holder": self.holder}]},
                {"$set": {"holder": self.holder, "expires_at": self._expiry(), "acquired_at": now,
                          "host": socket.gethostname(), "pid": os.getpid(), **self.info}},
                upsert=True, return_document=ReturnDocument.AFTER)
        except DuplicateKeyError:  # someone else holds a live lease
            self.held = False
            return False
        self.held = True
        return True

    def renew(self) -> None:
        """Push the expiry forward; raises ``LeaseLost`` when the lease is no longer ours."""
        result = self.collection.update_one({"_id": self.name, "holder": self.holder},
                                            {"$set": {"expires_at": self._expiry(), "renewed_at": _now()}})
        if result.matched_count != 1:
            self.held = False
            raise LeaseLost(f"lease {self.name!r} is no longer held by {self.holder}")

    def release(self) -> None:
        """Give the lease up (only if it is still ours); never raises on a lost database."""
        try:
            self.collection.delete_one({"_id": self.name, "holder": self.holder})
        except PyMongoError:
            pass  # it expires on its own
        self.held = False

    def current(self) -> dict | None:
        """The lease document as stored (whoever holds it), or None."""
        return self.collection.find_one({"_id": self.name})

    def __enter__(self) -> "Lease":
        if not self.acquire():
            raise LeaseLost(f"lease {self.name!r} is held by someone else")
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.release()


class Heartbeat:
    """Renews leases every ``every`` seconds on a background thread."""

    def __init__(self, every: float):
        self.every = every
        self.leases: dict[str, Lease] = {}
        self.lost: set[str] = set()
        self._guard = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="marsad-lease-heartbeat", daemon=True)

    def start(self) -> "Heartbeat":
        self._thread.start()
        return self

    def add(self, lease: Lease) -> None:
        with self._guard:
            self.leases[lease.name] = lease

    def remove(self, lease: Lease) -> None:
        with self._guard:
            self.leases.pop(lease.name, None)

    def beat(self) -> None:
        with self._guard:
            leases = list(self.leases.values())
        for lease in leases:
            try:
                lease.renew()
            except LeaseLost:
                self.lost.add(lease.name)
            except PyMongoError:
                pass  # database briefly away: try again next beat, the ttl covers it

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self.beat()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=self.every + 5)


def source_lease(db: Any, source_id: str, ttl: float = 60.0, **info: Any) -> Lease:
    """The lease guarding crawls of one source."""
    return Lease(db, f"source:{source_id}", ttl, info={"source": source_id, **info})


# -- distributed crawls: per-URL claims in Redis ------------------------------------------
#
# With REDIS_URL set, the crawl's queue is scrapy-redis's and this is its duplicate filter.
# A plain "seen" set would lose every request a killed worker had taken from the queue:
# its URLs are "seen" and nobody fetches them again. Here each request is a *claim*
# (queued → fetching with an expiry → done). A worker that runs out of work looks at
# claims whose expiry passed: if the store has the page, the claim is closed; if not, the
# request is scheduled again. Done means "written to the store" (the item signals fire
# after the store pipeline), so a killed worker loses nothing it had taken.

import hashlib
import json
import time as _time


def frontier_keys(frontier: str) -> dict[str, str]:
    return {"requests": f"marsad:{frontier}:requests", "claims": f"marsad:{frontier}:claims"}


def claim_id(url: str) -> str:
    from pipelines.urls import canonical_url

    return hashlib.sha1(canonical_url(url).encode("utf-8")).hexdigest()


class ClaimingDupeFilter:
    """scrapy-redis duplicate filter that records a claim per canonical URL."""

    def __init__(self, server: Any, key: str, ttl: float):
        self.server = server
        self.key = key
        self.ttl = ttl  # the whole claims hash expires this long after its last change

    @classmethod
    def from_spider(cls, spider: Any) -> "ClaimingDupeFilter":
        from scrapy_redis.connection import get_redis_from_settings

        settings = spider.settings
        keys = frontier_keys(settings.get("MARSAD_FRONTIER", "default"))
        return cls(get_redis_from_settings(settings), keys["claims"],
                   settings.getfloat("MARSAD_FRONTIER_TTL", 6 * 3600))

    @classmethod
    def from_settings(cls, settings: Any) -> "ClaimingDupeFilter":  # pragma: no cover - scrapy-redis uses from_spider
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
