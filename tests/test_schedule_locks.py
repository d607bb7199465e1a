"""Per-source leases across real processes: exclusive while held, free after a killed holder's
lease expires, kept alive by the heartbeat."""
from __future__ import annotations

import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from crawler.locks import Heartbeat, LeaseLost, source_lease

ROOT = Path(__file__).resolve().parent.parent

HOLDER = """
import sys, time, pymongo
from crawler.locks import Heartbeat, source_lease
db = pymongo.MongoClient(sys.argv[1], tz_aware=True)[sys.argv[2]]
lease = source_lease(db, "fx", ttl=float(sys.argv[3]))
if not lease.acquire():
    print("busy", flush=True); sys.exit(3)
beat = Heartbeat(float(sys.argv[3]) / 4).start(); beat.add(lease)
print("held", lease.holder, flush=True)
time.sleep(600)
"""

TRY = """
import sys, pymongo
from crawler.locks import source_lease
db = pymongo.MongoClient(sys.argv[1], tz_aware=True)[sys.argv[2]]
print("acquired" if source_lease(db, "fx", ttl=5).acquire() else "busy", flush=True)
"""


@pytest.fixture
def db_name(mongo_client):
    name = f"locks_{uuid.uuid4().hex[:8]}"
    yield name
    mongo_client.drop_database(name)


def _python(code: str, *args: str, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", code, *args], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


def _try_from_another_process(uri: str, db_name: str) -> str:
    proc = _python(TRY, uri, db_name)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    return out.strip()


@pytest.mark.slow
def test_lease_is_exclusive_across_processes_and_freed_after_holder_dies(mongo_server, mongo_client, db_name):
    ttl = 3.0
    holder = _python(HOLDER, mongo_server, db_name, str(ttl))
    try:
        line = holder.stdout.readline().split()
        assert line and line[0] == "held", holder.stderr.read() if holder.poll() is not None else line
        # Another process, and this one, cannot take it.
        assert _try_from_another_process(mongo_server, db_name) == "busy"
        mine = source_lease(mongo_client[db_name], "fx", ttl=ttl)
        assert not mine.acquire()
        # The heartbeat keeps it held beyond its ttl.
        time.sleep(ttl + 1)
        assert not mine.acquire()
        assert mongo_client[db_name].crawl_locks.find_one({"_id": "source:fx"})["holder"] == line[1]
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
    killed_at = time.monotonic()
    assert not mine.acquire(), "a killed holder's lease stays until it expires"
    while not mine.acquire():
        assert time.monotonic() - killed_at < ttl + 5, "the lease never expired"
        time.sleep(0.2)
    assert mongo_client[db_name].crawl_locks.find_one({"_id": "source:fx"})["holder"] == mine.holder
    assert _try_from_another_process(mongo_server, db_name) == "busy"
    mine.release()
    assert _try_from_another_process(mongo_server, db_name) == "acquired"


def test_many_concurrent_takers_one_winner(mongo_server, db_name):
    procs = [_python(TRY, mongo_server, db_name) for _ in range(4)]
    results = sorted(p.communicate(timeout=60)[0].strip() for p in procs)
    assert results == ["acquired", "busy", "busy", "busy"]


def test_renew_after_takeover_raises_and_heartbeat_reports_it(mongo_db):
    a = source_lease(mongo_db, "x", ttl=0.5)
    assert a.acquire()
    beat = Heartbeat(10)
    beat.add(a)
    time.sleep(0.7)
    b = source_lease(mongo_db, "x", ttl=30)
    assert b.acquire()
    with pytest.raises(LeaseLost):
        a.renew()
    beat.beat()
    assert "source:x" in beat.lost
    a.release()  # not ours any more: must not free b's lease
    assert mongo_db.crawl_locks.find_one({"_id": "source:x"})["holder"] == b.holder
    b.release()
    assert mongo_db.crawl_locks.find_one({"_id": "source:x"}) is None
