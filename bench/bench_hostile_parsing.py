"""How long the hostile inputs of issue 10 cost the parsers, after the fixes.

Prints CPU seconds for: a section page with 300,000 attributes on one element (capped)
and, for scale, raw libxml2 on 20,000 / 40,000 (quadratic); a 50 MB sitemap; a 500 KiB
robots.txt (parse, and one URL check); a page with a 1 MB <title>; a page with JSON-LD
nested 1,000 deep; the attribute cap's share of ``process_page`` on the test pages (and
../shared/evaldata/html when present).

    PYTHONPATH=$PWD .venv/bin/python bench/bench_hostile_parsing.py
"""
from __future__ import annotations

import glob
import re
import time
from collections.abc import Callable
from typing import Any

from lxml import html as lxml_html
from protego import Protego

from crawler.discovery import MAX_SITEMAP_BYTES, parse_section, parse_sitemap
from pipelines.extract.decode import decode_html
from pipelines.extract.parse import cap_attributes
from pipelines.process import process_page
from pipelines.records import Page

PARAGRAPH = "قالت مصادر محلية إن الأمطار الغزيرة أدت إلى انقطاع الطرق الرئيسية في المدينة " * 3


def cpu(fn: Callable[..., Any], *args: Any) -> float:
    started = time.process_time()
    fn(*args)
    return time.process_time() - started


def attributes(n: int) -> bytes:
    return ("<html><body><div " + " ".join(f"a{i}=x" for i in range(n))
            + "></div><a href='/a/1.html'>x</a></body></html>").encode()


def article(title: str, head: str = "") -> bytes:
    body = "".join(f"<p>{PARAGRAPH} {i}</p>" for i in range(5))
    return (f"<html lang='ar'><head><meta charset='utf-8'><title>{title}</title>{head}</head>"
            f"<body><article>{body}</article></body></html>").encode()


def page(body: bytes) -> Page:
    return Page(url="https://s.example/a/1.html", body=body, status=200, source="s",
                content_type="text/html; charset=utf-8", fetched_at="2024-05-02T06:00:00Z")


def main() -> None:
    pattern = re.compile(r"/a/\d+")
    for n in (20_000, 40_000):
        print(f"raw lxml, one element with {n:,} attributes: {cpu(lxml_html.fromstring, attributes(n)):.2f} s")
    print(f"parse_section, 300,000 attributes (capped): "
          f"{cpu(parse_section, attributes(300_000), 'http://n.example/', pattern):.2f} s")
    entry = "<url><loc>https://n.example/a/{}.html</loc><lastmod>2024-05-02</lastmod></url>"
    one = len(entry.format(10_000_000))
    sitemap = ("<urlset>" + "".join(entry.format(10_000_000 + i)
                                    for i in range((MAX_SITEMAP_BYTES - 100) // one)) + "</urlset>").encode()
    started = time.process_time()
    listing = parse_sitemap(sitemap, "https://n.example/s.xml")
    print(f"parse_sitemap, {len(sitemap) / 1e6:.1f} MB, {len(listing.articles):,} URLs: "
          f"{time.process_time() - started:.2f} s")
    robots = ("User-agent: *\n" + "".join(f"Disallow: /a/b{i}/*x$\n" for i in range(40_000)))[:500 * 1024]
    started = time.process_time()
    rules = Protego.parse(robots)
    parsed = time.process_time() - started
    check = cpu(rules.can_fetch, "http://x/a/c", "m")
    print(f"robots.txt 500 KiB: parse {parsed:.2f} s, one URL check {check * 1000:.1f} ms")
    process_page(page(article("تحميل المعاجم")), with_events=False)  # one-time loading, not counted
    big_title = article("عنوان طويل " * 90_000)
    print(f"process_page, 1 MB <title>: {cpu(lambda: process_page(page(big_title), with_events=False)):.2f} s")
    deep = article("خبر", "<script type='application/ld+json'>" + "[" * 1000 + "]" * 1000 + "</script>")
    print(f"process_page, JSON-LD 1,000 deep: {cpu(lambda: process_page(page(deep), with_events=False)):.2f} s")
    files = glob.glob("tests/pages/**/*.html", recursive=True)
    files += glob.glob("../shared/evaldata/html/**/*.html", recursive=True)
    bodies = [open(f, "rb").read() for f in files]
    texts = []
    for body in bodies:
        try:
            texts.append(decode_html(body)[0])
        except Exception:  # noqa: BLE001 - binary test pages are skipped here
            continue
    cap = sum(cpu(cap_attributes, t) for t in texts)
    full = sum(cpu(lambda b=b: process_page(page(b), with_events=False)) for b in bodies)
    print(f"attribute cap on {len(texts)} pages ({sum(map(len, texts)) / 1e6:.1f} M chars): "
          f"{cap * 1000:.0f} ms of {full * 1000:.0f} ms process_page ({cap / full * 100:.1f} %)")


if __name__ == "__main__":
    main()
