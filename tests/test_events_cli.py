"""``python -m pipelines.events``: JSON Lines in, one line out per input, in order."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(stdin: str) -> list[dict]:
    proc = subprocess.run([sys.executable, "-m", "pipelines.events"], input=stdin.encode("utf-8"),
                          capture_output=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr.decode()
    return [json.loads(line) for line in proc.stdout.decode("utf-8").splitlines()]


def test_cli_lines_in_order_with_errors():
    lines = [
        {"id": "a", "text": "قتل 5 مدنيين في غارة جوية على مدينة سراقب أمس",
         "published": "2019-05-10T10:00:00+03:00", "timezone": "Asia/Damascus"},
        "this is not json",
        {"id": 7, "text": "ارتفعت أسعار الخبز في دمشق", "published": "2019-05-10T10:00:00+03:00"},
        {"id": "no-text"},
        {"id": "b", "text": "اشتباكات بين قوات النظام وفصائل المعارضة قرب بلدة كفرنبودة",
         "published": "2019-05-10T10:00:00+03:00", "timezone": "Asia/Damascus"},
    ]
    stdin = "\n".join(x if isinstance(x, str) else json.dumps(x, ensure_ascii=False) for x in lines) + "\n"
    out = _run(stdin)
    assert [o["id"] for o in out] == ["a", None, 7, "no-text", "b"]
    first = out[0]["events"][0]
    for key in ("event_type", "sub_event_type", "actor1", "actor2", "location", "date",
                "time_precision", "fatalities", "evidence", "confidence"):
        assert key in first
    for key in ("name_en", "surface", "admin1", "lat", "lon", "geo_precision"):
        assert key in first["location"]
    assert first["date"] == "2019-05-09" and first["fatalities"] == 5
    assert lines[0]["text"][first["evidence"]["start"]:first["evidence"]["end"]] == first["evidence"]["text"]
    assert out[1]["events"] == [] and "error" in out[1]
    assert out[2]["events"] == [] and "error" not in out[2]
    assert "error" in out[3]
    assert out[4]["events"][0]["sub_event_type"] == "Armed clash"
