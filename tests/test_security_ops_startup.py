"""A crawl that cannot start says why in one line and exits 2, with no traceback.

Each case runs the real command (`scrapy crawl news`, and `marsad crawl` through
``crawler.commands``) in a subprocess, as an operator would.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from crawling import crawl_env

pytestmark = pytest.mark.slow  # subprocess crawls (README, "Tests")

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _crawl(*settings: str, source: str = "sohr", marsad: bool = False) -> subprocess.CompletedProcess:
    head = [sys.executable, "-m", "crawler.commands", "crawl"] if marsad else \
        [sys.executable, "-m", "scrapy", "crawl", "news"]
    cmd = [*head, "-a", f"source={source}", "-s", "MARSAD_PROCESS_WORKERS=0", "-s", "MONGO_TIMEOUT_MS=1500"]
    for setting in settings:
        cmd += ["-s", setting]
    return subprocess.run(cmd, cwd=ROOT, env=crawl_env(), capture_output=True, text=True, timeout=120)


def _one_line(run: subprocess.CompletedProcess, *needles: str) -> str:
    assert run.returncode == 2, run.stderr[-3000:]
    assert "Traceback" not in run.stderr, run.stderr[-3000:]
    lines = [line for line in run.stderr.splitlines() if line.startswith("marsad crawl: error:")]
    assert len(lines) == 1, run.stderr[-3000:]
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize("uri,needle", [
    ("mongo://admin:hunter2@127.0.0.1:27017", "Invalid URI scheme"),
    ("mongodb://admin:hun@ter2@127.0.0.1:27017", "must be escaped"),
])
def test_malformed_mongo_uri(uri, needle):
    line = _one_line(_crawl(f"MONGO_URI={uri}"), "MONGO_URI", needle)
    assert "hunter2" not in line and "hun@ter2" not in line and "ter2" not in line


def test_unreachable_mongo_uri_through_marsad_crawl():
    port = _free_port()
    run = _crawl(f"MONGO_URI=mongodb://admin:hunter2@127.0.0.1:{port}", marsad=True)
    line = _one_line(run, "does not answer", f"127.0.0.1:{port}")
    assert "hunter2" not in run.stderr
    assert "AssertionError" not in run.stderr and "Task exception" not in run.stderr, line


def test_unreachable_redis():
    port = _free_port()
    run = _crawl(f"REDIS_URL=redis://:s3cret@127.0.0.1:{port}/0")
    _one_line(run, "Redis", f"127.0.0.1:{port}", "does not answer")
    assert "Engine slot not assigned" not in run.stderr and "s3cret" not in run.stderr


def test_unknown_source_through_both_commands():
    for marsad in (False, True):
        run = _crawl(source="no-such-source", marsad=marsad)
        _one_line(run, "no-such-source", "known:")
        assert "Task exception was never retrieved" not in run.stderr and "AssertionError" not in run.stderr


def test_data_dir_is_a_file_or_under_a_file(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    _one_line(_crawl(f"MONGO_DATA_DIR={blocker}"), str(blocker), "is a file")
    _one_line(_crawl(f"MONGO_DATA_DIR={blocker / 'data'}", marsad=True), str(blocker), "is a file")


def test_data_dir_without_permission(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("mounting a read-only tmpfs needs root (CI runs as root)")
    mount = tmp_path / "ro"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(mount)], check=True)
    try:
        _one_line(_crawl(f"MONGO_DATA_DIR={mount}"), str(mount), "not writable", "read-only")
        _one_line(_crawl(f"MONGO_DATA_DIR={mount / 'data'}"), "cannot be created", "read-only")
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_data_dir_on_a_full_disk(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root (CI runs as root)")
    mount = tmp_path / "full"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)], check=True)
    try:
        with open(mount / "filler", "wb", buffering=0) as filler:
            try:
                while True:
                    filler.write(bytes(4096))
            except OSError:
                pass
        _one_line(_crawl(f"MONGO_DATA_DIR={mount / 'data'}"), str(mount / "data"), "disk is full")
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)
