"""Screenshots of the workbench's main views for the README.

    python -m workbench.screenshots [--url http://127.0.0.1:8765] [--out docs/workbench]

Point it at a running workbench (``python -m workbench`` over the demo archive); writes
``map.png``, ``filtered.png``, ``event.png``, ``articles.png``, ``health.png`` and, when
the archive has merged events, ``incident.png`` (the one with most reports).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.request
from pathlib import Path

from workbench.browser import Browser


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m workbench.screenshots")
    ap.add_argument("--url", default="http://127.0.0.1:8765")
    ap.add_argument("--out", default="docs/workbench")
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    base = args.url.rstrip("/")
    with urllib.request.urlopen(base + "/api/view?zoom=4") as resp:
        first_event = json.load(resp)["events"][0]["id"]
    with urllib.request.urlopen(base + "/api/incidents") as resp:
        merged = json.load(resp)["incidents"]
    views = {
        "map.png": "/",
        "filtered.png": "/?event_type=Battles&at=34.000,40.000,5",
        "event.png": f"/?event={first_event}",
        "articles.png": "/?view=articles",
        "health.png": "/?view=health",
    }
    if merged:
        top = max(merged, key=lambda m: (m.get("report_count") or 0, m["id"]))
        views["incident.png"] = f"/?incident={top['id']}"
    with Browser() as driver:
        for name, path in views.items():
            driver.get(base + path)
            time.sleep(2.0)  # base map and view requests settle
            driver.save_screenshot(str(out / name))
            print(out / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
