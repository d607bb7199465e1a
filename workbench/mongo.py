"""``python -m workbench.mongo [--port 27017] [--host 127.0.0.1] [--data-dir ./data]``

Serves the embedded store (SecantusDB, the same server Marsad starts in-process) on a
fixed port so that other clients can reach the archive: ``mongosh
mongodb://127.0.0.1:27017/marsad``, MongoDB Compass, or pymongo. Like a crawl, it holds
the data directory while it runs: stop it (Ctrl-C) before crawling into the same
directory, or point the crawl at it with ``MONGO_URI``.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m workbench.mongo",
        description="Serve the embedded archive on a port for mongosh, Compass or pymongo.",
    )
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=27017)
    ap.add_argument("--data-dir", default=os.environ.get("MARSAD_DATA_DIR", "./data"))
    ap.add_argument("--database", default=os.environ.get("MONGO_DATABASE", "marsad"))
    args = ap.parse_args(argv)
    from pipelines.storage import EmbeddedServer, StorageError

    try:
        server = EmbeddedServer(args.data_dir, host=args.host, port=args.port).start()
    except StorageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    print(
        f"Serving {server.data_dir} at {server.uri}\n"
        f"  mongosh {server.uri.rstrip('/')}/{args.database}\n"
        f"  MONGO_URI={server.uri} python -m workbench   (or any pymongo client)\nCtrl-C stops.",
        flush=True,
    )
    try:
        stop.wait()
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
