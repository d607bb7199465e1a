"""``python -m workbench [--host 127.0.0.1] [--port 8765] [--allow-host NAME] [--tile-url URL]``

Serves the workbench over the archive: MONGO_URI, or the embedded store in
MARSAD_DATA_DIR (default ./data); database MONGO_DATABASE (default marsad). Prints its
URL and serves until Ctrl-C. ``MARSAD_TILE_URL`` (or ``--tile-url``) names an XYZ tile
server (``https://tiles.example/{z}/{x}/{y}.png``) for users who have one; without it the
base map is the offline country and province boundaries.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from workbench.server import Workbench, make_server


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m workbench", description="Serve Marsad's workbench.")
    ap.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    ap.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 picks a free one)")
    ap.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="NAME",
        help="another host name or address browsers use to reach it (with --host 0.0.0.0); repeatable",
    )
    ap.add_argument(
        "--tile-url",
        default=os.environ.get("MARSAD_TILE_URL"),
        help="optional XYZ tile URL template (env MARSAD_TILE_URL)",
    )
    ap.add_argument("--mongo-uri", default=os.environ.get("MONGO_URI"))
    ap.add_argument("--database", default=os.environ.get("MONGO_DATABASE", "marsad"))
    ap.add_argument("--data-dir", default=os.environ.get("MARSAD_DATA_DIR", "./data"))
    args = ap.parse_args(argv)
    from pipelines.storage import StorageError, open_database

    try:
        conn = open_database(args.mongo_uri, args.database, args.data_dir)
    except StorageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        app = Workbench(conn.db, tile_url=args.tile_url)
        started = time.perf_counter()
        app.index.load()
        try:
            server = make_server(app, args.host, args.port, tuple(args.allow_host))
        except OSError as exc:
            print(
                f"error: cannot listen on {args.host}:{args.port}: {exc}; choose another --port",
                file=sys.stderr,
            )
            return 2
        host = args.host if ":" not in args.host else f"[{args.host}]"
        print(
            f"Marsad workbench: http://{host}:{server.server_address[1]}/  "
            f"({len(app.index.rows)} events loaded in {time.perf_counter() - started:.1f} s; Ctrl-C stops)",
            flush=True,
        )
        if not app.basemap.available:
            print(
                "note: no base map file (install Debian's qgis-common or set MARSAD_BASEMAP); "
                "events are drawn on a plain background",
                flush=True,
            )
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
    finally:
        conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
