"""What deeply nested pages cost ``process_page``, and what the depth check costs the rest.

Prints, for a generated article wrapped in N nested <div> (with and without its <h1>):
the outcome, paragraphs kept and CPU ms of ``process_page`` (median of --repeats); then
the CPU ms of ``too_deep`` and of ``parse_html`` on the test pages and
../shared/evaldata/html (when present), so the check's share of a normal page shows.

    PYTHONPATH=$PWD .venv/bin/python bench/bench_deep_nesting.py [--repeats 3]
"""
from __future__ import annotations

import argparse
import glob
import statistics
import time

from pipelines.extract.decode import decode_html
from pipelines.extract.nesting import too_deep
from pipelines.extract.parse import parse_html
from pipelines.process import process_page
from pipelines.records import Article, Page

PARAGRAPH = "قالت مصادر محلية إن الأمطار الغزيرة أدت إلى انقطاع الطرق الرئيسية في المدينة " * 3
TITLE = "خبر عن الأمطار في المدينة"


def page(depth: int, headline: bool) -> Page:
    body = "".join(f"<p>{PARAGRAPH} {i}</p>" for i in range(5))
    h1 = f"<h1>{TITLE}</h1>" if headline else ""
    html = (f"<html lang='ar'><head><meta charset='utf-8'><title>{TITLE}</title></head><body>"
            + "<div>" * depth + f"<article>{h1}{body}</article>" + "</div>" * depth + "</body></html>")
    return Page(url="https://news.example/a/1.html", body=html.encode(), status=200,
                content_type="text/html; charset=utf-8")


def cpu_ms(fn, *args, repeats: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        started = time.process_time()
        result = fn(*args)
        times.append((time.process_time() - started) * 1000)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    process_page(page(3, True), with_events=False)  # warm the lexicons
    print("nested <div> around an article: process_page (no events), median CPU ms")
    for depth in (3, 200, 1000, 2000, 3000, 20000):
        for headline in (True, False):
            ms, result = cpu_ms(process_page, page(depth, headline), repeats=args.repeats)
            outcome = (f"article, {len(result.paragraphs)} paragraphs" if isinstance(result, Article)
                       else f"drop {result.code}")
            print(f"  depth {depth:>6}  h1 {'yes' if headline else 'no ':3}  {ms:9.1f} ms  {outcome}")
    files = sorted(glob.glob("tests/pages/*.html") + glob.glob("../shared/evaldata/html/**/*.html", recursive=True))
    check = parse = 0.0
    for name in files:
        with open(name, "rb") as fh:
            html, _ = decode_html(fh.read())
        ms, root = cpu_ms(parse_html, html, repeats=args.repeats)
        parse += ms
        check += cpu_ms(too_deep, root, repeats=args.repeats)[0]
    if files:
        print(f"{len(files)} normal pages: too_deep {check / len(files):.2f} ms per page, "
              f"parse_html (with it) {parse / len(files):.2f} ms per page")


if __name__ == "__main__":
    main()
