"""The embedded server: start, persist, stop, and a clear error on a locked data dir."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pipelines.storage import StorageError, StoreLockedError, open_database

ROOT = Path(__file__).resolve().parent.parent

# A second process that holds the data directory until its stdin closes.
HOLDER = textwrap.dedent("""
    import sys
    from pipelines.storage import open_database
    conn = open_database(None, "marsad", data_dir=sys.argv[1])
    print("ready", flush=True)
    sys.stdin.read()
    conn.close()
""")

# A second process that tries to open a directory this test process holds.
OPENER = textwrap.dedent("""
    import sys
    from pipelines.storage import StoreLockedError, open_database
    try:
        open_database(None, "marsad", data_dir=sys.argv[1])
    except StoreLockedError as exc:
        print("LOCKED", exc)
        sys.exit(3)
    print("OPENED")
""")


def _python(code: str, *args: str, **kw) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("MONGO_URI", None)
    return subprocess.Popen([sys.executable, "-c", code, *args], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


def test_embedded_store_persists_and_stops_cleanly(tmp_path):
    data = tmp_path / "data"
    with open_database(None, "marsad", data_dir=str(data)) as conn:
        assert conn.embedded is not None and conn.embedded.running
        conn.db.articles.insert_one({"url": "https://example.com/p", "title": "باق"})
    assert not conn.embedded.running
    # Stopped cleanly: the directory opens again and the data is there.
    with open_database(None, "marsad", data_dir=str(data)) as conn:
        assert conn.db.articles.find_one({"url": "https://example.com/p"})["title"] == "باق"


def test_locked_data_dir_held_by_another_process(tmp_path):
    data = tmp_path / "held"
    holder = _python(HOLDER, str(data), stdin=subprocess.PIPE)
    try:
        assert holder.stdout.readline().strip() == "ready", holder.stderr.read()
        with pytest.raises(StoreLockedError) as info:
            open_database(None, "marsad", data_dir=str(data))
        message = str(info.value)
        assert str(data.resolve()) in message
        assert "another process" in message and f"pid {holder.pid}" in message
        assert "MARSAD_DATA_DIR" in message and "MONGO_DATA_DIR" in message and "MONGO_URI" in message
        assert info.value.holder_pid == holder.pid
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    assert holder.returncode == 0, holder.stderr.read()
    # Once the other process is gone the directory is free again.
    with open_database(None, "marsad", data_dir=str(data)) as conn:
        assert conn.db.name == "marsad"


def test_second_process_gets_the_clear_error(tmp_path):
    data = tmp_path / "mine"
    with open_database(None, "marsad", data_dir=str(data)):
        opener = _python(OPENER, str(data))
        out, err = opener.communicate(timeout=60)
    assert opener.returncode == 3, out + err
    assert out.startswith("LOCKED") and str(data.resolve()) in out and "MONGO_URI" in out


def test_same_directory_twice_in_one_process(tmp_path):
    with open_database(None, "marsad", data_dir=str(tmp_path)):
        with pytest.raises(StoreLockedError, match="this same process"):
            open_database(None, "marsad", data_dir=str(tmp_path))


def test_data_dir_that_is_a_file(tmp_path):
    target = tmp_path / "file"
    target.write_text("not a directory")
    with pytest.raises(StorageError, match="not a directory|Cannot create"):
        open_database(None, "marsad", data_dir=str(target))


def test_uri_connection_does_not_start_a_server(mongo_server):
    with open_database(mongo_server, "marsad_uri_test") as conn:
        assert conn.embedded is None
        assert conn.db.command("ping")["ok"] == 1
