"""Leases follow the database server's clock, not the taker's.

The taker runs in its own process whose wall clock is skewed by hours: a
``sitecustomize`` shifts ``time.time`` and ``datetime.now`` for that process only (the
machine's clock, shared by every test, is left alone). The lease code and the server are
the real ones.
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest

from crawler.locks import source_lease

ROOT = Path(__file__).resolve().parent.parent

SKEW = '''
import datetime as _dt, os, time as _time
_offset = float(os.environ["MARSAD_TEST_CLOCK_SKEW"])
_real_time = _time.time
_time.time = lambda: _real_time() + _offset
_Real = _dt.datetime
class _Skewed(_Real):
    @classmethod
    def now(cls, tz=None):
        return _Real.now(tz) + _dt.timedelta(seconds=_offset)
    @classmethod
    def utcnow(cls):
        return _Real.utcnow() + _dt.timedelta(seconds=_offset)
_dt.datetime = _Skewed
'''

TAKE = """
import datetime, sys, pymongo
from crawler.locks import source_lease
db = pymongo.MongoClient(sys.argv[1], tz_aware=True)[sys.argv[2]]
lease = source_lease(db, "fx", ttl=float(sys.argv[3]))
print("acquired" if lease.acquire() else "busy", flush=True)
"""


def _take(tmp: Path, uri: str, database: str, skew_s: float, ttl: float) -> str:
    shim = tmp / "skewed"
    shim.mkdir(exist_ok=True)
    (shim / "sitecustomize.py").write_text(textwrap.dedent(SKEW))
    env = {**os.environ, "MARSAD_TEST_CLOCK_SKEW": str(skew_s),
           "PYTHONPATH": os.pathsep.join([str(shim), str(ROOT), os.environ.get("PYTHONPATH", "")])}
    probe = subprocess.run([sys.executable, "-c", "import time; print(time.time())"], env=env,
                           capture_output=True, text=True, timeout=60)
    assert abs(float(probe.stdout) - time.time() - skew_s) < 30, "the skew did not take"
    run = subprocess.run([sys.executable, "-c", TAKE, uri, database, str(ttl)], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    return run.stdout.strip()


@pytest.fixture
def database(mongo_client):
    name = f"skew_{uuid.uuid4().hex[:8]}"
    yield mongo_client[name]
    mongo_client.drop_database(name)


def test_a_clock_hours_ahead_cannot_take_a_live_lease(database, mongo_server, tmp_path):
    live = source_lease(database, "fx", ttl=120)
    assert live.acquire()
    # Two hours ahead, the live lease looks long expired to this taker's own clock.
    assert _take(tmp_path, mongo_server, database.name, 2 * 3600, ttl=60) == "busy"
    assert database.crawl_locks.find_one({"_id": "source:fx"})["holder"] == live.holder
    live.release()


def test_a_clock_hours_behind_cannot_write_an_expired_lease(database, mongo_server, tmp_path):
    # Two hours behind, a 60 s lease computed on this taker's clock would be expired at
    # once, and any other taker would take it.
    assert _take(tmp_path, mongo_server, database.name, -2 * 3600, ttl=60) == "acquired"
    doc = database.crawl_locks.find_one({"_id": "source:fx"})
    server_now = database.client.admin.command("hello")["localTime"]
    if server_now.tzinfo is None:
        import datetime as dt
        server_now = server_now.replace(tzinfo=dt.UTC)
    left = (doc["expires_at"] - server_now).total_seconds()
    assert 30 < left <= 61, f"the lease expires {left:.0f} s from the server's now"
    other = source_lease(database, "fx", ttl=60)
    assert not other.acquire(), "a fresh lease of a skewed taker must stay held"
