"""``python -m pipelines.dates``: JSON Lines in, one JSON line out per input line."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KEYS = {"date", "datetime", "utc", "precision"}


def run(lines: list[str]) -> list[dict]:
    proc = subprocess.run([sys.executable, "-m", "pipelines.dates"], cwd=ROOT,
                          input="\n".join(lines).encode("utf-8") + b"\n",
                          capture_output=True, timeout=60, check=True)
    out = proc.stdout.decode("utf-8").splitlines()
    assert len(out) == len(lines)
    return [json.loads(line) for line in out]


def test_cli_lines() -> None:
    lines = [
        json.dumps({"text": "الأحد 7 حزيران 2015 الساعة 9:30 صباحا", "reference": "2015-06-08T10:00:00+03:00",
                    "timezone": "Asia/Damascus"}, ensure_ascii=False),
        json.dumps({"text": "منذ 3 ساعات", "reference": "2024-03-15T15:30:00+03:00", "timezone": "Asia/Riyadh"},
                   ensure_ascii=False),
        json.dumps({"text": "اليوم الجمعة", "reference": "2015-05-22T20:00:00+03:00", "timezone": "Asia/Damascus"},
                   ensure_ascii=False),
        "this is not json",
        "",
        json.dumps({"text": None}),
        json.dumps(["a", "list"]),
        json.dumps({"text": "بيان بلا تاريخ", "reference": "garbage", "timezone": "Nowhere/City"},
                   ensure_ascii=False),
        json.dumps({"text": "3 مارس 2024 10:00 بتوقيت القاهرة", "timezone": "Asia/Riyadh"}, ensure_ascii=False),
    ]
    out = run(lines)
    assert all(set(o) == KEYS for o in out)
    assert out[0] == {"date": "2015-06-07", "datetime": "2015-06-07T09:30:00+03:00",
                      "utc": "2015-06-07T06:30:00Z", "precision": "minute"}
    assert out[1]["datetime"] == "2024-03-15T12:30:00+03:00" and out[1]["utc"] == "2024-03-15T09:30:00Z"
    assert out[2] == {"date": "2015-05-22", "datetime": None, "utc": "2015-05-21T21:00:00Z", "precision": "day"}
    for bad in out[3:8]:
        assert bad == dict.fromkeys(KEYS)
    assert out[8]["datetime"] == "2024-03-03T10:00:00+02:00"


def test_cli_reads_a_bom_line() -> None:
    line = "\ufeff" + json.dumps({"text": "2 مايو 2023", "timezone": "Asia/Dubai"}, ensure_ascii=False)
    assert run([line])[0]["date"] == "2023-05-02"


def test_cli_survives_invalid_utf8() -> None:
    proc = subprocess.run([sys.executable, "-m", "pipelines.dates"], cwd=ROOT,
                          input=b'{"text": "\xff\xfe"}\n\xc3\x28\n', capture_output=True, timeout=60)
    assert proc.returncode == 0
    assert len(proc.stdout.decode("utf-8").splitlines()) == 2
