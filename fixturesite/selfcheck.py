"""Run Marsad's page pipeline over every fixture page and compare with the catalogue.

    python -m fixturesite.selfcheck [--verbose]

For each catalogue page that can be fetched (not the fetch_error ones) it builds the
page record the spider would, without feed hints (so dates must come from the page),
calls ``pipelines.process.process_page`` and checks: stored vs. dropped with the right
reason; every paragraph present; no `must_not_contain` string leaked; the local
publication date. Prints one line per mismatch and a summary; exit 1 on mismatches.
"""
from __future__ import annotations

import argparse
import sys
import urllib.error
import urllib.request
from collections import Counter

from pipelines.records import Article, Drop

from .server import FixtureServer


def _fetch(url: str) -> tuple[int | None, str | None, bytes, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status, r.headers.get("Content-Type"), r.read(), r.geturl()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type"), e.read(), url
    except OSError:
        return None, None, b"", url


def check(entry: dict, result: Article | Drop, fold) -> list[str]:
    """Mismatches between one processed page (``process_page``'s result) and its catalogue entry."""
    if isinstance(result, Drop):
        got = f"dropped:{result.code}"
        return [] if got == entry["expect"] else [f"expected {entry['expect']}, got {got}"]
    if entry["expect"] != "stored":
        return [f"expected {entry['expect']}, got stored"]
    problems = []
    text = fold(result.text or "")
    missing = [p for p in entry["paragraphs"] if fold(p) not in text]
    if missing:
        problems.append(f"{len(missing)} paragraph(s) missing, first: {missing[0][:50]!r}")
    leaks = [s for s in entry["must_not_contain"] if fold(s) in text]
    if leaks:
        problems.append(f"boilerplate leaked: {leaks[:3]!r}")
    got_day = (result.published_local or "")[:10]
    if got_day != (entry["published"] or "")[:10]:
        problems.append(f"published {result.published_local!r} ({result.published_source}), "
                        f"expected {entry['published']!r}")
    return problems


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m fixturesite.selfcheck")
    ap.add_argument("--verbose", action="store_true", help="also print the pages that pass")
    args = ap.parse_args(argv)
    from pipelines.arabic import fold_text
    from pipelines.process import process_page

    tally: Counter = Counter()
    with FixtureServer(hang_seconds=1.0) as srv:
        for e in srv.catalogue():
            if e["expect"].startswith("fetch_error:"):
                continue
            status, ctype, body, final = _fetch(e["url"])
            if status == 500 and "500" in e["notes"]:
                status, ctype, body, final = _fetch(e["url"])
            page = {"url": e["url"], "final_url": final, "status": status, "body": body,
                    "content_type": ctype, "source": e["source"], "fetched_at": "2026-01-01T00:00:00Z",
                    "timezone": e["timezone"], "language": "ar", "xpaths": None,
                    "hints": {"published": None, "title": None, "language": None, "via": "section"}}
            problems = check(e, process_page(page, with_events=False), fold_text)
            tally["ok" if not problems else "mismatch"] += 1
            if problems or args.verbose:
                print(f"{'MISMATCH' if problems else 'ok':8s} {e['site']:8s} {e['url']}  {'; '.join(problems)}")
    print(f"{tally['ok']} pages as expected, {tally['mismatch']} mismatches")
    return 1 if tally["mismatch"] else 0


if __name__ == "__main__":
    sys.exit(main())
