"""Score Marsad's dates against ../shared/evaldata (read at run time, never copied).

1. Date expressions (dates/dates_ar.tsv), per kind and per variant, leaving out rows
   whose expected value is no date (``0001-01-01``, a bare unit such as ``2 day``).
   A row is right when:
   - ``date``: the local date equals the expected date;
   - ``datetime``: same date and the same hour and minute;
   - ``datetime_tz`` (expected carries ``Z`` or an offset): the same UTC instant (minute);
   - ``future=A; past=B``: either reading matches (the source suites accept both);
   - ``start/end`` range: the date equals ``start`` (and ``end``, when Marsad reports
     one, is the day before the exclusive ``end``);
   - durations (``-PT3H``, ``-P2D``, ``P0D``): the reference minus the duration; compared
     to the minute when the duration has a time part, else by date.
   Rows without a reference are resolved against the time of the run.
2. Publication dates of the pages in html/ (gold/pages_gold.json, pages with a gold date).

Usage: .venv/bin/python bench/eval_dates.py [--evaldata ../shared/evaldata] [--failures]
"""
from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import lxml.html  # noqa: E402

from pipelines.dates import find_publication_date, normalise_date  # noqa: E402

TARGET_GROUPS = {
    "real_page+real_news_text+locale_format_test": ({"real_page", "real_news_text", "locale_format_test"}, 0.98),
    "upstream_test": ({"upstream_test"}, 0.80),
}
_DURATION_RE = re.compile(
    r"^(-)?P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")
_BARE_UNIT_RE = re.compile(r"^\d+\s+[a-z]+$")


def excluded(expected: str) -> bool:
    return expected.startswith("0001-01-01") or bool(_BARE_UNIT_RE.match(expected.strip()))


def _minute(dt: datetime) -> datetime:
    return dt.replace(second=0, microsecond=0)


def _add_months(d: datetime, months: int) -> datetime:
    y, m = divmod(d.year * 12 + d.month - 1 + months, 12)
    import calendar
    return d.replace(year=y, month=m + 1, day=min(d.day, calendar.monthrange(y, m + 1)[1]))


def _single_ok(exp: str, got: dict, ref: datetime) -> bool:
    exp = exp.strip()
    m = _DURATION_RE.match(exp)
    if m and exp not in ("P", "-P"):
        sign = -1 if m.group(1) else 1
        y, mo, w, d, h, mi, s = (int(g or 0) for g in m.groups()[1:])
        target = _add_months(ref, sign * (12 * y + mo))
        target = target + sign * timedelta(weeks=w, days=d, hours=h, minutes=mi, seconds=s)
        if "T" in exp:
            return got["utc"] is not None and _minute(
                datetime.fromisoformat(got["utc"].replace("Z", "+00:00"))) == _minute(target.astimezone(timezone.utc))
        return got["date"] == target.date().isoformat()
    if "/" in exp:
        start, end = exp.split("/", 1)
        if got["date"] != start[:10]:
            return False
        if got.get("end"):
            return (date.fromisoformat(got["end"]) + timedelta(days=1)).isoformat() == end[:10]
        return True
    exp = exp.replace(" ", "T")
    if len(exp) == 10:
        return got["date"] == exp
    has_zone = exp.endswith("Z") or re.search(r"[+-]\d\d:?\d\d$", exp)
    if has_zone:
        want = datetime.fromisoformat(exp.replace("Z", "+00:00")).astimezone(timezone.utc)
        return got["utc"] is not None and _minute(
            datetime.fromisoformat(got["utc"].replace("Z", "+00:00"))) == _minute(want)
    if not got.get("datetime"):
        return False
    return got["datetime"][:16] == exp[:16]


def row_ok(row: dict, now: datetime) -> tuple[bool, dict | None]:
    ref_text = row["reference_datetime"].strip()
    if ref_text in ("", "now"):
        ref = now
    else:
        ref = datetime.fromisoformat(ref_text)
        if ref.tzinfo is None:
            ref = ref.replace(tzinfo=timezone.utc)
    tz = None if ref.utcoffset() else "UTC"
    got = normalise_date(row["string"], reference=ref, timezone=tz)
    if got is None:
        return False, None
    exp = row["expected"].strip()
    options = [exp]
    if exp.startswith("future="):
        options = [part.split("=", 1)[1] for part in exp.split(";")]
    return any(_single_ok(o, got, ref) for o in options), got


def score_expressions(evaldata: Path, show_failures: bool) -> dict[str, float]:
    path = evaldata / "dates" / "dates_ar.tsv"
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    now = datetime.now(timezone.utc).replace(microsecond=0)
    by_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_variant: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    by_label: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    failures = []
    skipped = 0
    for row in rows:
        if excluded(row["expected"]):
            skipped += 1
            continue
        ok, got = row_ok(row, now)
        for key, table in ((row["kind"], by_kind), ((row["kind"], row["variant"] or "(none)"), by_variant)):
            table[key][0] += ok
            table[key][1] += 1
        for label in sorted({v for v in row["variant"].split(",") if v} or {"(none)"}):
            by_label[label][0] += ok
            by_label[label][1] += 1
        if not ok:
            failures.append((row["id"], row["kind"], row["string"], row["expected"], got))
    print(f"Date expressions: {path} ({len(rows)} rows, {skipped} without a date left out)")
    print(f"{'kind':<20} {'variant':<42} {'right':>6} {'rows':>5} {'share':>7}")
    for (kind, variant), (ok, n) in sorted(by_variant.items()):
        print(f"{kind:<20} {variant:<42} {ok:>6} {n:>5} {ok / n:>7.1%}")
    print(f"\n{'variant label (all kinds; a row counts under each of its labels)':<63} {'right':>6} {'rows':>5}")
    for label, (ok, n) in sorted(by_label.items()):
        print(f"{label:<63} {ok:>6} {n:>5} {ok / n:>7.1%}")
    print()
    for kind, (ok, n) in sorted(by_kind.items()):
        print(f"{kind:<63} {ok:>6} {n:>5} {ok / n:>7.1%}")
    shares = {}
    for name, (kinds, target) in TARGET_GROUPS.items():
        ok = sum(by_kind[k][0] for k in kinds)
        n = sum(by_kind[k][1] for k in kinds)
        shares[name] = ok / n if n else 0.0
        print(f"TARGET {name:<56} {ok:>6} {n:>5} {shares[name]:>7.1%}  (target {target:.0%})")
    if show_failures:
        print("\nFailures:")
        for f in failures:
            print("  ", f[0], f[1], repr(f[2]), "expected", f[3], "got", f[4] and (f[4]["datetime"] or f[4]["date"]))
    return shares


def score_pages(evaldata: Path, show_failures: bool) -> tuple[int, int]:
    gold = json.loads((evaldata / "gold" / "pages_gold.json").read_text(encoding="utf-8"))
    right = total = 0
    print(f"\nPublication dates: {evaldata / 'gold' / 'pages_gold.json'}")
    for rec in gold:
        if not rec.get("date"):
            continue
        total += 1
        html = (evaldata / rec["file"]).read_bytes().decode("utf-8", errors="replace")
        url = rec.get("url") if str(rec.get("url", "")).startswith("http") else None
        got = find_publication_date(html, url=url)
        day = (got.get("published") or "")[:10]
        ok = day == rec["date"]
        right += ok
        if show_failures or not ok:
            print(f"  {'ok ' if ok else 'BAD'} {rec['file']:<48} gold {rec['date']} got {got.get('published')} "
                  f"({got.get('published_source')}: {got.get('published_raw')!r})")
    print(f"TARGET pages {right} / {total}")
    # Not a target: the same pages with JSON-LD, meta and <time> removed, so only the
    # visible dateline (and the URL) can answer; shows how the fallback copes alone.
    bare_right = 0
    for rec in gold:
        if not rec.get("date"):
            continue
        tree = lxml.html.fromstring((evaldata / rec["file"]).read_bytes())
        for el in tree.xpath("//script | //meta | //time | //*[@itemprop or @datetime]"):
            el.drop_tree()
        got = find_publication_date(tree)
        bare_right += (got.get("published") or "")[:10] == rec["date"]
    print(f"(pages without structured dates and without URL: {bare_right} / {total})")
    return right, total


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--evaldata", default=str(ROOT.parent / "shared" / "evaldata"))
    ap.add_argument("--failures", action="store_true", help="list every wrong row")
    args = ap.parse_args(argv)
    evaldata = Path(args.evaldata)
    if not evaldata.is_dir():
        print(f"no evaluation data at {evaldata}", file=sys.stderr)
        return 2
    score_expressions(evaldata, args.failures)
    score_pages(evaldata, args.failures)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
