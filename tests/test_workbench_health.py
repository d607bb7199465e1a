"""Crawl health: the latest runs, each printed once however many sources it covered
(`python -m crawler.runs` and the workbench), drops by reason and blocked pages."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

from crawler.runs import build_run_document, format_table, last_runs, table_rows
from workbench.server import Workbench, make_server

ROOT = Path(__file__).resolve().parent.parent


def _runs(db) -> list[str]:
    start = dt.datetime(2024, 5, 1, tzinfo=dt.UTC)
    ids = []
    for i, sources in enumerate((["fx-a", "fx-b", "fx-c"], ["fx-a"], ["fx-b", "fx-c"])):
        doc = build_run_document(
            {"downloader/request_count": 10 + i},
            run_id=f"run-{i}",
            sources=sources,
            finish_reason="finished",
            started=start + dt.timedelta(hours=i),
            finished=start + dt.timedelta(hours=i, minutes=5),
        )
        db["crawl_runs"].insert_one(doc)
        ids.append(doc["_id"])
    return ids


def test_a_run_over_several_sources_is_listed_once(mongo_db):
    ids = _runs(mongo_db)
    runs = last_runs(mongo_db, None, 5)
    assert [r["_id"] for r in runs] == list(reversed(ids))
    assert [r["_id"] for r in last_runs(mongo_db, "fx-c", 5)] == ["run-2", "run-0"]
    assert [r["_id"] for r in last_runs(mongo_db, None, 1)] == ["run-2", "run-1"]  # latest of each source
    table = format_table(table_rows(runs))
    assert table.count("fx-a,fx-b,fx-c") == 1


def test_runs_command_prints_each_run_once(mongo_db, mongo_server):
    _runs(mongo_db)
    env = dict(os.environ, MONGO_URI=mongo_server)
    proc = subprocess.run(
        [sys.executable, "-m", "crawler.runs", "--database", mongo_db.name],
        capture_output=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr.decode()
    lines = proc.stdout.decode().splitlines()
    assert len(lines) == 1 + 3 and sum("fx-a,fx-b,fx-c" in line for line in lines) == 1


def test_health_view(mongo_db):
    _runs(mongo_db)
    now = dt.datetime(2024, 5, 2, tzinfo=dt.UTC)
    mongo_db["drops"].insert_many(
        [
            {"url": "http://127.0.0.1:9/a", "source": "fx-a", "reason": "not_article", "last_seen": now},
            {"url": "http://127.0.0.1:9/b", "source": "fx-a", "reason": "not_article", "last_seen": now},
            {
                "url": "http://127.0.0.1:9/c",
                "source": "fx-b",
                "reason": "challenge_page",
                "last_seen": now,
                "count": 2,
            },
        ]
    )
    app = Workbench(mongo_db)
    server = make_server(app, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.server_address[1]}/api/health") as resp:
            health = json.load(resp)
    finally:
        server.shutdown()
        server.server_close()
    assert [r["_id"] for r in health["runs"]] == ["run-2", "run-1", "run-0"]
    assert {(d["source"], d["reason"], d["n"]) for d in health["drops"]} == {
        ("fx-a", "not_article", 2),
        ("fx-b", "challenge_page", 1),
    }
    assert [b["url"] for b in health["blocked"]] == ["http://127.0.0.1:9/c"]
