"""``python -m pipelines.incidents --reprocess [--since DATE]``: rebuild stories and
merged events from the stored articles and events (idempotent). MONGO_URI (or the
embedded store in MARSAD_DATA_DIR) and MONGO_DATABASE, as the other commands."""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pipelines.incidents",
                                 description="Group stored articles into stories and merge their events.")
    ap.add_argument("--reprocess", action="store_true", required=True,
                    help="rebuild stories and incidents from the store")
    ap.add_argument("--since", help="only events dated on or after this day (YYYY-MM-DD)")
    args = ap.parse_args(argv)
    from pipelines.storage import StorageError, default_data_dir, open_database

    from .hook import reprocess_all

    try:
        if args.since:
            args.since = dt.date.fromisoformat(args.since.strip()[:10]).isoformat()
        with open_database(os.environ.get("MONGO_URI"), os.environ.get("MONGO_DATABASE", "marsad"),
                           default_data_dir()) as conn:
            counts = reprocess_all(conn.db, since=args.since)
    except (StorageError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(counts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
