"""Storage throughput: article upserts per second into the embedded SecantusDB server.

    .venv/bin/python bench/bench_storage.py [-n 2000] [--batch 100] [--text-kb 4]
        [--raw-kb 40] [--no-journal] [--uri mongodb://...]

Runs three passes over N generated Arabic articles: first insert, an identical re-fetch
(unchanged: raw page dedup, last_seen/fetch_count only) and a worse re-extraction
(kept_existing). Prints articles/s, CPU ms per article in this process (document
building, compression, BSON encoding) and the peak RSS.
"""
from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipelines.storage import ArticleStore, open_database  # noqa: E402

# A small vocabulary of common Arabic news words, enough to make compressible,
# hash-distinct texts (the benchmark needs realistic sizes, not meaning).
WORDS = ("قال أعلن مصدر مسؤول الحكومة الجيش قوات المدينة شمال جنوب شرق غرب سوريا العراق "
         "اليمن ليبيا مصر غزة قصف غارة اشتباكات مقتل إصابة مدنيين مستشفى طريق معبر اتفاق "
         "وقف إطلاق النار مفاوضات مظاهرات احتجاجات الأمم المتحدة منظمة تقرير يوم الجمعة "
         "صباح مساء أمس اليوم محافظة ريف حلب إدلب الموصل صنعاء طرابلس بنغازي القاهرة").split()


def make_record(i: int, rng: random.Random, text_kb: int, raw_kb: int, quality: float = 0.8) -> dict:
    words, size = [], 0
    while size < text_kb * 1024 // 2:  # Arabic letters take two bytes in UTF-8
        words.append(rng.choice(WORDS))
        size += len(words[-1]) + 1
    paragraphs = [" ".join(words[j:j + 40]) for j in range(0, len(words), 40)]
    text = f"خبر رقم {i}\n" + "\n".join(paragraphs)
    filler = "<div class='widget'><a href='/x'>رابط</a></div>" * (raw_kb * 1024 // 100)
    raw = f"<html><head><title>خبر {i}</title></head><body>{filler}<p>{text}</p></body></html>"
    url = f"https://www.example.com/news/{i}/?utm_source=bench"
    return {
        "url": url, "final_url": url, "status": 200, "content_type": "text/html; charset=utf-8",
        "source": "bench", "fetched_at": "2026-11-20T08:00:00Z", "hints": {"via": "sitemap"},
        "raw_html": raw.encode("utf-8"), "encoding": "utf-8", "title": f"خبر رقم {i}",
        "text": text, "paragraphs": text.split("\n"), "authors": ["مراسل"], "language": "ar",
        "canonical_url": None, "is_article": True, "quality": quality, "categories": ["أخبار"],
        "published": "2015-05-22T14:05:00+03:00", "published_utc": "2015-05-22T11:05:00Z",
        "published_precision": "minute", "published_source": "meta", "events": [{"type": "airstrike"}],
    }


def run_pass(store: ArticleStore, records: list[dict], label: str) -> None:
    cpu0, t0 = time.process_time(), time.perf_counter()
    for rec in records:
        store.add(rec)
    store.flush()
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    n = len(records)
    print(f"{label:<22} {n / wall:8.0f} articles/s   {wall:6.2f} s wall   "
          f"{1000 * cpu / n:6.2f} ms CPU/article (client+embedded server, this process)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=2000, help="articles (default 2000)")
    ap.add_argument("--batch", type=int, default=100, help="bulk_write batch size")
    ap.add_argument("--text-kb", type=int, default=4, help="article text size in KB")
    ap.add_argument("--raw-kb", type=int, default=40, help="raw HTML size in KB")
    ap.add_argument("--no-journal", action="store_true", help="write without j:true (faster, not crash-safe)")
    ap.add_argument("--uri", default=None, help="MongoDB URI (default: embedded on a temp dir)")
    args = ap.parse_args(argv)

    rng = random.Random(7)
    records = [make_record(i, rng, args.text_kb, args.raw_kb) for i in range(args.n)]
    worse = [dict(r, quality=0.4, text=r["text"][:200]) for r in records]
    with tempfile.TemporaryDirectory() as tmp, open_database(args.uri, "bench_storage", data_dir=tmp) as conn:
        conn.db.client.drop_database("bench_storage")
        store = ArticleStore(conn.db, batch_size=args.batch, journal=not args.no_journal)
        store.ensure_indexes()
        where = "embedded SecantusDB" if conn.embedded else "MongoDB at --uri"
        print(f"{args.n} articles, text {args.text_kb} KB, raw HTML {args.raw_kb} KB, batch {args.batch}, "
              f"{where}, journal {'off' if args.no_journal else 'on (j:true)'}")
        run_pass(store, records, "first insert")
        run_pass(store, records, "identical re-fetch")
        run_pass(store, worse, "worse re-extraction")
        stats = {k: v for k, v in store.stats.items() if not isinstance(v, dict)}
        print("store stats:", stats)
        sizes = conn.db.raw_pages.aggregate([{"$group": {"_id": None, "raw": {"$sum": "$size"},
                                                         "stored": {"$sum": "$compressed_size"}}}])
        for row in sizes:
            print(f"raw HTML: {row['raw'] / 1e6:.1f} MB stored as {row['stored'] / 1e6:.1f} MB zlib")
        if conn.embedded:
            conn.db.client.drop_database("bench_storage")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
