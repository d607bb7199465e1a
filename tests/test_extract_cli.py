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


def _tree(tmp_path: Path) -> Path:
    src = tmp_path / "in"
    (src / "sub" / "deeper").mkdir(parents=True)
    (src / "a.html").write_bytes((PAGES / "captions_body.html").read_bytes())
    (src / "sub" / "b.htm").write_bytes((PAGES / "legacy_comments_cp1256.html").read_bytes())
    (src / "sub" / "deeper" / "listing.html").write_bytes((PAGES / "list_fragment.html").read_bytes())
    (src / "notes.txt").write_text("not a page", encoding="utf-8")
    return src


def test_directory_is_read_recursively_and_each_article_gets_a_txt_file(tmp_path):
    src, out = _tree(tmp_path), tmp_path / "out"
    proc = run(str(src), "-o", str(out), "--keep-dirs")
    assert proc.returncode == 0, proc.stderr
    records = {Path(r["path"]).name: r for r in map(json.loads, proc.stdout.splitlines())}
    assert set(records) == {"a.html", "b.htm", "listing.html"}
    assert records["listing.html"]["is_article"] is False and records["listing.html"]["output"] is None
    assert records["listing.html"]["detail"].startswith("listing (")
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert written == ["a.txt", "sub/b.txt"]
    text = (out / "a.txt").read_text(encoding="utf-8")
    assert text.rstrip("\n").split("\n") == records["a.html"]["paragraphs"]
    assert records["a.html"]["captions"] and records["a.html"]["captions"][0] not in text


def test_markdown_and_json_outputs_and_hash_names(tmp_path):
    src = _tree(tmp_path)
    proc = run("--input-dir", str(src), "-o", str(tmp_path / "md"), "--output-format", "markdown",
               "--with-metadata")
    assert proc.returncode == 0, proc.stderr
    md_files = sorted((tmp_path / "md").glob("*.md"))
    assert len(md_files) == 2  # named by the text hash, flat
    md = "\n".join(p.read_text(encoding="utf-8") for p in md_files)
    assert "# موسم قطاف الزيتون يبدأ مبكرا في قرى الجبل" in md and md.startswith("---")
    assert "*عمال ينقلون أكياس الزيتون إلى المعصرة*" in md
    proc = run(str(src / "a.html"), "-o", str(tmp_path / "js"), "--output-format", "json")
    doc = json.loads(next((tmp_path / "js").glob("*.json")).read_text(encoding="utf-8"))
    assert doc["title"] == "موسم قطاف الزيتون يبدأ مبكرا في قرى الجبل"
    assert doc["is_article"] is True and len(doc["captions"]) == 3 and "raw_html" not in doc
