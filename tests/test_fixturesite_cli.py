"""`python -m fixturesite` starts the sites, prints their URLs and stops on SIGTERM."""
from __future__ import annotations

import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def test_cli_serves_and_writes_registry(tmp_path):
    out = tmp_path / "sources.yaml"
    proc = subprocess.Popen([sys.executable, "-m", "fixturesite", "--port", "0", "--generated", "3",
                             "--sources-out", str(out)], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        urls = {}
        for _ in range(5):
            line = proc.stdout.readline()
            key, value = line.split()
            urls[key] = value
        assert set(urls) == {"wp", "portal", "maghreb", "gen", "registry"}
        with urllib.request.urlopen(urls["wp"] + "feed/", timeout=5) as r:
            assert r.status == 200 and b"<rss" in r.read()
        registry = yaml.safe_load(out.read_text(encoding="utf-8"))
        assert [s["base_url"] + "/" for s in registry] == [urls[k] for k in ("wp", "portal", "maghreb", "gen")]
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=10)
    assert code == 0


def test_cli_reports_busy_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        res = subprocess.run([sys.executable, "-m", "fixturesite", "--port", str(port)], cwd=ROOT,
                             capture_output=True, text=True, timeout=20)
    assert res.returncode == 2 and "cannot listen" in res.stderr
