"""The embedded server in a process of its own (MARSAD_EMBEDDED_PROCESS): same data
directory and locking as in-process, stopped with its owner, and never left behind when
its owner dies."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from pipelines.storage import EmbeddedServer, StoreLockedError, open_database

ROOT = Path(__file__).resolve().parent.parent

OWNER = textwrap.dedent("""
    import sys
    from pipelines.storage import open_database
    conn = open_database(None, "marsad", data_dir=sys.argv[1], own_process=True)
    conn.db.c.insert_one({"written": "before the owner died"})
    print(conn.embedded.pid, flush=True)
    sys.stdin.read()
""")


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.slow
def test_own_process_server_keeps_the_data_and_the_lock(tmp_path):
    with open_database(None, "t", str(tmp_path), own_process=True) as conn:
        assert conn.embedded.pid != os.getpid()
        conn.db.c.insert_one({"n": 1})
        for own in (True, False):
            with pytest.raises(StoreLockedError, match="same process"):
                EmbeddedServer(tmp_path, own_process=own).start()
        child = conn.embedded.pid
    assert not _alive(child)
    with open_database(None, "t", str(tmp_path)) as conn:  # in-process, same directory
        assert conn.db.c.count_documents({"n": 1}) == 1


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_the_server_dies_with_its_owner(tmp_path):
    owner = subprocess.Popen([sys.executable, "-c", OWNER, str(tmp_path)], cwd=ROOT, stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    child = int(owner.stdout.readline())
    assert _alive(child)
    owner.send_signal(signal.SIGKILL)
    owner.wait()
    deadline = time.monotonic() + 30
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _alive(child), "the server outlived its owner"
    with open_database(None, "t", str(tmp_path)) as conn:  # the directory is free again
        assert conn.db.client["marsad"].c.count_documents({"written": "before the owner died"}) == 1
