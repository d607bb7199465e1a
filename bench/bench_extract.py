"""Extraction benchmark over the real pages in ../shared/evaldata (read at run time).

Measures, in one run and on the same decoded pages:
- Marsad's CLI path per page: decode_html + parse_html + find_publication_date +
  extract_article (what ``python -m pipelines.extract`` does for a file);
- ``trafilatura.bare_extraction(html, with_metadata=True)``;
and prints median/mean/max ms per page for each, snippet precision/recall/F1, leaked
``without`` snippets and title matches for both.

    .venv/bin/python bench/bench_extract.py [--repeats 3] [--evaldata ../shared/evaldata]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import trafilatura  # noqa: E402

from pipelines.extract import decode_html, extract_article, parse_html  # noqa: E402
from pipelines.extract.evaluate import DEFAULT_EVALDATA, Score, load_gold  # noqa: E402

try:
    from pipelines.dates import find_publication_date
except ImportError:  # the dates stage is optional for this benchmark
    find_publication_date = None


def marsad(body: bytes, url: str | None) -> dict:
    html, _ = decode_html(body)
    tree = parse_html(html)
    if find_publication_date is not None:
        find_publication_date(tree, url=url)
    return extract_article(tree, url=url)


def baseline(html: str, url: str | None):
    return trafilatura.bare_extraction(html, url=url, with_metadata=True)


def _stats(values: list[float]) -> str:
    return (f"median {statistics.median(values):7.1f} ms  mean {statistics.fmean(values):7.1f} ms  "
            f"max {max(values):7.1f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per page (median kept)")
    parser.add_argument("--evaldata", type=Path, default=DEFAULT_EVALDATA)
    args = parser.parse_args()
    if not (args.evaldata / "gold" / "pages_gold.json").exists():
        print(f"no evaluation data at {args.evaldata}", file=sys.stderr)
        return 1
    gold = load_gold(args.evaldata)
    pages = []
    for rec in gold:
        body = (args.evaldata / rec["file"]).read_bytes()
        url = rec.get("url") if str(rec.get("url") or "").startswith("http") and " " not in rec["url"] else None
        pages.append((rec, body, decode_html(body)[0], url))
    fa_pages = sorted((args.evaldata / "html" / "fa").glob("*.html"))

    # Warm-up: imports, caches and lazy loaders of both sides, outside the timing.
    marsad(pages[0][1], pages[0][3])
    baseline(pages[0][2], pages[0][3])

    ours_ms, base_ms = [], []
    ours_score, base_score = Score(), Score()
    for rec, body, html, url in pages:
        o_times, b_times = [], []
        for _ in range(max(1, args.repeats)):
            t0 = time.perf_counter()
            art = marsad(body, url)
            o_times.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            doc = baseline(html, url)
            b_times.append((time.perf_counter() - t0) * 1000)
        ours_ms.append(statistics.median(o_times))
        base_ms.append(statistics.median(b_times))
        ours_score.add(rec, art["text"], art["title"])
        base_score.add(rec, getattr(doc, "text", None), getattr(doc, "title", None))
        print(f"{Path(rec['file']).name:45s} marsad {ours_ms[-1]:7.1f} ms   trafilatura {base_ms[-1]:7.1f} ms")

    print(f"\n{len(pages)} Arabic pages, {args.repeats} runs each (median per page)")
    print(f"marsad      per page: {_stats(ours_ms)}")
    print(f"trafilatura per page: {_stats(base_ms)}")
    for name, score in (("marsad", ours_score), ("trafilatura", base_score)):
        print(f"{name:11s} snippets: P {score.precision:.3f}  R {score.recall:.3f}  F1 {score.f1:.3f}  "
              f"leaked without: {len(score.leaks)}  titles right: {score.titles_right}/{score.pages}")
        for file, snippet in score.leaks:
            print(f"    leak  {Path(file).name}: {snippet[:60]}")
        for file, snippet in score.misses:
            print(f"    miss  {Path(file).name}: {snippet[:60]}")
        for file, title in score.wrong_titles:
            print(f"    title {Path(file).name}: {title}")
    dropped = []
    for path in fa_pages:
        art = marsad(path.read_bytes(), None)
        dropped.append(f"{path.name}: language={art['language']} drop={art['drop_reason']}")
    if dropped:
        print("\nPersian control pages:")
        print("\n".join("    " + d for d in dropped))
    return 0


if __name__ == "__main__":
    sys.exit(main())
