"""``python -m pipelines.extract`` run as a subprocess, as users run it."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = Path(__file__).parent / "pages"


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipelines.extract", *args], input=stdin,
                          capture_output=True, cwd=ROOT, timeout=120, encoding="utf-8")


def test_files_give_one_json_line_each_with_arabic_unescaped(tmp_path):
    bad = tmp_path / "image.html"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    proc = run("--url", "https://sahel.example/?p=512", "--timezone", "Africa/Cairo",
               str(PAGES / "wordpress_comments.html"), str(bad), str(tmp_path / "missing.html"))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == 3
    assert "افتتاح محطة تحلية" in lines[0] and "\\u06" not in lines[0]
    first, image, missing = (json.loads(line) for line in lines)
    for key in ("title", "text", "published", "language", "canonical_url", "is_article", "drop_reason"):
        assert key in first
    assert first["title"] == "افتتاح محطة تحلية جديدة في مدينة الواحة الساحلية"
    assert first["url"] == "https://sahel.example/?p=512"
    assert first["language"] == "ar" and "error" not in first
    assert first["published"] is None or first["published"].startswith("2026-03-14")
    assert image["error"].startswith("binary_content: ")
    assert missing["error"].startswith("unreadable: ")


def test_stdin_json_lines_keep_order_and_per_line_url_and_timezone(tmp_path):
    jobs = [
        {"path": str(PAGES / "legacy_table_cp1256.html"), "url": "http://old.example/news.asp?id=7",
         "timezone": "Asia/Damascus"},
        {"path": str(PAGES / "persian.html"), "url": None, "timezone": None},
        {"path": str(tmp_path / "nope.html")},
    ]
    stdin = "\n".join(json.dumps(j, ensure_ascii=False) for j in jobs) + "\nnot json\n"
    proc = run("-", stdin=stdin)
    assert proc.returncode == 0, proc.stderr
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(out) == 4
    assert out[0]["path"] == jobs[0]["path"] and out[0]["url"] == jobs[0]["url"]
    assert out[0]["encoding"] == "windows-1256"
    assert out[0]["title"] == "وصول وفد الوساطة إلى المدينة المحاصرة"
    assert out[1]["language"] == "fa" and out[1]["drop_reason"] == "wrong_language"
    assert out[2]["error"].startswith("unreadable: ")
    assert out[3]["error"].startswith("bad_input: ")


def test_published_comes_from_the_page_with_its_offset():
    proc = run("--timezone", "Africa/Cairo", str(PAGES / "portal_clock_ticker.html"))
    record = json.loads(proc.stdout)
    assert record["published"] is not None, record.get("date_error")
    assert record["published"].startswith("2026-05-03")
