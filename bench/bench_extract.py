"""Extraction benchmark over the real pages in ../shared/evaldata (read at run time).

Measures, in one run and on the same decoded pages:
- Marsad's CLI path per page: ``pipelines.process.process_page`` without events (what
  ``python -m pipelines.extract`` does for a file);
- ``trafilatura.bare_extraction(html, with_metadata=True)``;
and prints median/mean/max ms per page for each, snippet precision/recall/F1, leaked
``without`` snippets and title matches for both.

    .venv/bin/python bench/bench_extract.py [--repeats 3] [--evaldata ../shared/evaldata]
    .venv/bin/python bench/bench_extract.py --pages   # article/listing outcome on every page we have
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import trafilatura  # noqa: E402

from pipelines.extract import decode_html  # noqa: E402
from pipelines.extract.evaluate import DEFAULT_EVALDATA, Score, load_gold  # noqa: E402
from pipelines.process import process_page  # noqa: E402
from pipelines.records import Article, Drop  # noqa: E402


def marsad(body: bytes, url: str | None) -> dict:
    """What ``python -m pipelines.extract`` does for a file: the crawler's composition."""
    result = process_page({"url": url, "final_url": url, "status": None, "body": body, "content_type": None,
                           "source": None, "fetched_at": None, "timezone": None, "language": "ar",
                           "xpaths": None, "hints": None}, with_events=False)
    if isinstance(result, Drop):
        return {"text": "", "title": result.title, "language": result.language,
                "drop_reason": result.code, "detail": result.detail}
    return result.to_dict()


ROOT = Path(__file__).resolve().parents[1]


def _outcome(result: Article | Drop) -> str:
    return "article" if isinstance(result, Article) else result.code


def _evaldata_pages(evaldata: Path) -> list[tuple[str, str, bytes, str | None, str]]:
    """(group, name, body, url, expected outcome) for the evaluation pages."""
    out = []
    gold = json.loads((evaldata / "gold" / "pages_gold.json").read_text(encoding="utf-8"))
    for rec in gold:
        path = evaldata / rec["file"]
        url = rec.get("url")
        url = url if str(url or "").startswith("http") and " " not in url else None
        expected = "article" if "/ar/" in rec["file"] else "wrong_language"
        out.append(("evaldata", path.name, path.read_bytes(), url, expected))
    return out


def _test_pages() -> list[tuple[str, str, bytes, str | None, str]]:
    import yaml

    pages = ROOT / "tests" / "pages"
    expected = yaml.safe_load((pages / "expected.yaml").read_text(encoding="utf-8"))
    return [("tests/pages", name, (pages / name).read_bytes(), None, want) for name, want in expected.items()]


def _fixture_pages() -> list[tuple[str, str, bytes, str | None, str, dict]]:
    """Every fixture-site page that can be fetched, rendered in-process (no server)."""
    import threading
    from urllib.parse import unquote, urlsplit

    from fixturesite import catalogue
    from fixturesite.build import build_sites
    from fixturesite.responses import RequestContext

    base = {"wp": "http://127.0.0.1:18730", "portal": "http://127.0.0.1:18731", "maghreb": "http://127.0.0.1:18732"}
    sites = build_sites(base)
    out = []
    for entry in catalogue(base):
        if entry["expect"].startswith("fetch_error:"):
            continue
        parts = urlsplit(entry["url"])
        routes = {unquote(k): v for k, v in sites[entry["site"]].routes.items()}
        path = unquote(parts.path) or "/"
        route = routes.get(f"{path}?{parts.query}") if parts.query else None
        route = route or routes.get(path)
        if route is None:
            continue
        state: dict = {}
        for _ in range(2):  # the page that fails once answers the second time
            ctx = RequestContext(path=path, query=parts.query, headers={}, state=state, lock=threading.Lock(),
                                 stop=threading.Event(), hang_seconds=0.0)
            resp = route(ctx) if callable(route) else route
            if resp.status != 500:
                break
        if 300 <= resp.status < 400:
            continue  # redirects: the target is in the catalogue too
        want = "article" if entry["expect"] == "stored" else entry["expect"].split(":", 1)[1]
        page = {"status": resp.status, "content_type": resp.content_type, "timezone": entry["timezone"]}
        out.append(("fixturesite", entry["url"].split("//", 1)[1], resp.body, entry["url"], want, page))
    return out


def print_page_table(evaldata: Path) -> int:
    """Article/listing outcome on every page we have; exit 1 on any article dropped or
    listing stored."""
    rows = []
    jobs = [(*p, {}) for p in _test_pages()]
    if (evaldata / "gold" / "pages_gold.json").exists():
        jobs = [(*p, {}) for p in _evaldata_pages(evaldata)] + jobs
    jobs += _fixture_pages()
    for group, name, body, url, want, extra in jobs:
        page = {"url": url, "final_url": url, "status": None, "body": body, "content_type": None,
                "source": None, "fetched_at": None, "timezone": None, "language": "ar", "xpaths": None,
                "hints": None, **extra}
        result = process_page(page, with_events=False)
        got = _outcome(result)
        detail = result.classifier if isinstance(result, Article) else result.detail
        rows.append((group, name, want, got, str(detail or "").split("; title=")[0]))
    width = max(len(r[1]) for r in rows)
    for group, name, want, got, detail in rows:
        mark = "ok " if want == got else "BAD"
        print(f"{mark} {group:12s} {name:{width}s} expected {want:15s} got {got:15s} {detail[:150]}")
    print()
    print(f"{'group':12s} {'pages':>5s} {'articles':>8s} {'listings':>8s} {'other drops':>11s} "
          f"{'articles dropped':>16s} {'listings stored':>15s} {'wrong reason':>12s}")
    bad = 0
    for group in dict.fromkeys(r[0] for r in rows):
        mine = [r for r in rows if r[0] == group]
        arts = [r for r in mine if r[2] == "article"]
        lists = [r for r in mine if r[2] == "not_article"]
        others = [r for r in mine if r[2] not in ("article", "not_article")]
        art_dropped = sum(r[3] != "article" for r in arts)
        list_stored = sum(r[3] == "article" for r in lists)
        wrong = sum(r[3] != r[2] for r in mine) - art_dropped - list_stored
        bad += art_dropped + list_stored
        print(f"{group:12s} {len(mine):5d} {len(arts):8d} {len(lists):8d} {len(others):11d} "
              f"{art_dropped:16d} {list_stored:15d} {wrong:12d}")
    return 1 if bad else 0


def baseline(html: str, url: str | None):
    return trafilatura.bare_extraction(html, url=url, with_metadata=True)


def _stats(values: list[float]) -> str:
    return (f"median {statistics.median(values):7.1f} ms  mean {statistics.fmean(values):7.1f} ms  "
            f"max {max(values):7.1f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per page (median kept)")
    parser.add_argument("--evaldata", type=Path, default=DEFAULT_EVALDATA)
    parser.add_argument("--pages", action="store_true",
                        help="only the article/listing table over every page we have (evaldata, tests/pages, "
                             "fixture sites)")
    args = parser.parse_args()
    if args.pages:
        return print_page_table(args.evaldata)
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
