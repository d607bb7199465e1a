"""Issue 15 in the article pipeline: the record carries the events and, for audit, the
candidates that are not events (``event_mentions``), each with its factuality decision."""
from __future__ import annotations

from pipelines.process import process_page
from pipelines.records import Article

PAGE = """<!DOCTYPE html><html lang="ar" dir="rtl"><head><meta charset="utf-8">
<title>غارات على سراقب | موقع التجربة</title>
<link rel="canonical" href="https://test.example/2020/06/12/saraqib/">
</head><body><article>
<h1>غارات على سراقب</h1>
<div class="dateline">الجمعة 12 حزيران/يونيو 2020 - 10:00</div>
<p>قصفت طائرات حربية بلدة سراقب في ريف إدلب صباح اليوم، ما أدى إلى مقتل ثلاثة مدنيين وإصابة
آخرين بجروح، بحسب الدفاع المدني.</p>
<p>وأدان الائتلاف المعارض القصف في بيان، فيما دعا ناشطون إلى مظاهرة في البلدة يوم الجمعة المقبل
تنديدا بالغارات.</p>
<p>وكانت البلدة قد شهدت قبل سنوات معارك عنيفة بين فصائل المعارضة وقوات النظام.</p>
</article></body></html>"""


def _page(body: bytes) -> dict:
    url = "https://test.example/2020/06/12/saraqib/"
    return {"url": url, "final_url": url,
            "status": 200, "body": body, "content_type": "text/html; charset=utf-8", "source": "test",
            "fetched_at": "2020-06-12T09:00:00Z", "timezone": "Asia/Damascus", "language": "ar",
            "xpaths": None, "hints": {}}


def test_article_record_carries_events_and_mentions():
    result = process_page(_page(PAGE.encode("utf-8")))
    assert isinstance(result, Article), result
    rec = result.to_dict()
    assert rec["events_error"] is None
    assert [e["sub_event_type"] for e in rec["events"]] == ["Air/drone strike"]
    assert rec["events"][0]["fatalities"] == 3
    decisions = {m["factuality"]["decision"] for m in rec["event_mentions"]}
    # the condemnation, the called-for protest and the fights of years ago are kept for audit
    assert {"reaction", "called-for", "reference"} <= decisions
    assert all(m["factuality"]["decision"] != "occurred" for m in rec["event_mentions"])
