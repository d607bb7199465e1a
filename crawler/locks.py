"""Per-source leases in MongoDB, so one source never runs twice at once on any machine.

A lease is one document in ``crawl_locks`` (``_id`` = the lock name) naming its holder
and an expiry. Taking it is a single upsert that matches only a free or expired lease,
so two takers race on the unique ``_id`` and exactly one wins. The holder renews the
expiry while it works (``heartbeat``); a holder that dies stops renewing, and the lease
is free once it expires. Every time is the database server's (``$$NOW`` in an
aggregation-pipeline update, and in the ``$expr`` that decides whether a lease has
expired), so a machine whose clock is skewed can neither take a live lease nor write one
that is already expired.
"""
from __future__ import annotations

import os
import socket
import threading
import uuid
from typing import Any

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError, PyMongoError

LOCKS = "crawl_locks"


# "expired": by the server's clock. Compared as milliseconds: SecantusDB (the embedded
# server) takes any date and $$NOW for equal in $lt/$cmp, but converts both right.
_EXPIRED = {"$expr": {"$lt": [{"$toLong": "$expires_at"}, {"$toLong": "$$NOW"}]}}


def _fields(values: dict[str, Any]) -> dict[str, Any]:
    """Constant values for a pipeline ``$set`` (a string there could read as a field path)."""
    return {key: {"$literal": value} for key, value in values.items()}


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

    def _expiry(self) -> dict[str, Any]:
        """The server's now plus the ttl (an aggregation expression)."""
        return {"$add": ["$$NOW", int(self.ttl * 1000)]}

    def acquire(self) -> bool:
        """Take the lease if it is free, expired or already ours."""
        try:
            self.collection.find_one_and_update(
                {"_id": self.name, "$or": [_EXPIRED, {"holder": self.holder}]},
                [{"$set": {"expires_at": self._expiry(), "acquired_at": "$$NOW",
                           **_fields({"holder": self.holder, "host": socket.gethostname(),
                                      "pid": os.getpid(), **self.info})}}],
                upsert=True, return_document=ReturnDocument.AFTER)
        except DuplicateKeyError:  # someone else holds a live lease
            self.held = False
            return False
        self.held = True
        return True

    def renew(self) -> None:
        """Push the expiry forward; raises ``LeaseLost`` when the lease is no longer ours."""
        result = self.collection.update_one(
            {"_id": self.name, "holder": self.holder},
            [{"$set": {"expires_at": self._expiry(), "renewed_at": "$$NOW"}}])
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

    def __enter__(self) -> Lease:
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

    def start(self) -> Heartbeat:
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
