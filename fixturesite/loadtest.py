"""How many requests per second the fixture server sustains on the `gen` site.

    python -m fixturesite.loadtest [--generated 2000] [--connections 8]

Starts the server in a child process (so client and server do not share a GIL),
reads the sitemap index, fetches every generated article once over keep-alive
connections and prints requests/s, mean page size and the server's RSS.
"""
from __future__ import annotations

import argparse
import http.client
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

_LOC_RE = re.compile(r"<loc>([^<]+)</loc>")


def _get(conn: http.client.HTTPConnection, path: str) -> bytes:
    conn.request("GET", path)
    resp = conn.getresponse()
    body = resp.read()
    if resp.status != 200:
        raise RuntimeError(f"{path}: HTTP {resp.status}")
    return body


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m fixturesite.loadtest")
    ap.add_argument("--generated", type=int, default=2000)
    ap.add_argument("--connections", type=int, default=8)
    args = ap.parse_args(argv)
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.Popen([sys.executable, "-m", "fixturesite", "--port", "0",
                             "--generated", str(args.generated)],
                            cwd=root, stdout=subprocess.PIPE, text=True)
    try:
        urls = dict(proc.stdout.readline().split() for _ in range(4))
        gen = urlsplit(urls["gen"])
        conn = http.client.HTTPConnection(gen.hostname, gen.port, timeout=10)
        paths = []
        for loc in _LOC_RE.findall(_get(conn, "/sitemap.xml").decode()):
            paths += [urlsplit(u).path for u in _LOC_RE.findall(_get(conn, urlsplit(loc).path).decode())]
        sizes: list[int] = []
        lock = threading.Lock()

        def worker(chunk: list[str]) -> None:
            c = http.client.HTTPConnection(gen.hostname, gen.port, timeout=10)
            got = [len(_get(c, p)) for p in chunk]
            with lock:
                sizes.extend(got)

        n = args.connections
        threads = [threading.Thread(target=worker, args=(paths[i::n],)) for i in range(n)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
        rss = ""
        try:
            import psutil
            rss = f", server RSS {psutil.Process(proc.pid).memory_info().rss / 1e6:.0f} MB"
        except ImportError:
            pass
        print(f"{len(sizes)} of {args.generated} generated pages over {n} keep-alive connections: "
              f"{len(sizes) / elapsed:.0f} req/s, mean page {sum(sizes) / max(1, len(sizes)) / 1024:.1f} KB"
              f"{rss}")
        return 0 if len(sizes) == args.generated else 1
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
