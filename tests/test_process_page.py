"""process_page: one fetched page through decode, dates, extraction and events, no Scrapy."""
from __future__ import annotations

from pipelines.process import process_page, timed_process_page
from pipelines.records import Article, Drop, DropReason, Page

ARTICLE = """<!DOCTYPE html><html lang="ar" dir="rtl"><head><meta charset="utf-8">
<title>اشتباكات عنيفة قرب مدينة حلب | موقع الاختبار</title>
<link rel="canonical" href="https://test.example/2016/03/10/aleppo-clashes/">
</head><body>
<header><div class="clock">التوقيت الخميس، 1 يناير 2026 بتوقيت دمشق</div></header>
<article>
<h1>اشتباكات عنيفة قرب مدينة حلب</h1>
<div class="dateline">الخميس 10 آذار/مارس 2016 - 14:20</div>
<p>اندلعت اشتباكات عنيفة صباح اليوم بين قوات النظام وفصائل المعارضة المسلحة على أطراف مدينة حلب
الشمالية، وسط قصف مدفعي متبادل استمر عدة ساعات بحسب مصادر محلية.</p>
<p>وقالت المصادر إن خمسة مقاتلين قتلوا في المواجهات التي تركزت قرب طريق الكاستيلو، فيما أصيب
آخرون بجروح نقلوا على إثرها إلى مشاف ميدانية في الريف الغربي.</p>
<p>ولم يصدر أي تعليق رسمي حتى الآن على هذه الاشتباكات التي تأتي بعد أيام من هدوء نسبي شهدته
المنطقة عقب سريان اتفاق وقف الأعمال العدائية.</p>
</article>
<div class="comments"><h3>أترك تعليقا</h3></div>
</body></html>"""


def _page(body: bytes, status: int = 200, content_type: str | None = "text/html; charset=utf-8") -> dict:
    return {"url": "https://test.example/2016/03/10/aleppo-clashes/?utm_source=x",
            "final_url": "https://test.example/2016/03/10/aleppo-clashes/?utm_source=x",
            "status": status, "body": body, "content_type": content_type, "source": "test",
            "fetched_at": "2016-03-11T08:00:00Z", "timezone": "Asia/Damascus", "language": "ar",
            "xpaths": None, "hints": {"via": "rss"}}


def test_article_page_becomes_an_article_record():
    result, cpu_ms = timed_process_page(Page.from_mapping(_page(ARTICLE.encode("utf-8"))))
    assert isinstance(result, Article), result
    assert result.title == "اشتباكات عنيفة قرب مدينة حلب"
    assert "طريق الكاستيلو" in result.text
    assert "أترك تعليقا" not in result.text and "التوقيت" not in result.text
    assert result.published_local.startswith("2016-03-10T14:20")
    assert result.published_utc == "2016-03-10T12:20:00Z"
    assert result.raw_html == ARTICLE.encode("utf-8")
    assert result.source == "test" and result.hints == {"via": "rss"}
    assert cpu_ms > 0


def test_a_page_record_and_its_dict_form_give_the_same_article():
    raw = _page(ARTICLE.encode("utf-8"))
    assert process_page(raw, with_events=False) == process_page(Page.from_mapping(raw), with_events=False)


def test_legacy_cp1256_bytes_without_charset():
    result = process_page(_page(ARTICLE.replace('<meta charset="utf-8">', "").encode("cp1256"),
                                content_type="text/html"))
    assert isinstance(result, Article)
    assert result.encoding.replace("-", "").lower() in ("cp1256", "windows1256")
    assert "حلب" in result.title


def test_bad_pages_become_drops_with_reasons():
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20
    assert process_page(_page(png)).code == "binary_content"
    listing = "<html><body>" + "".join(
        f'<div><a href="/2016/03/{i}/story-{i}/">عنوان الخبر رقم {i} في القسم</a></div>' for i in range(40)
    ) + "</body></html>"
    dropped = process_page(_page(listing.encode()))
    assert isinstance(dropped, Drop) and dropped.code in ("not_article", "empty_body")
    refused = process_page(_page(ARTICLE.encode(), status=404))
    assert isinstance(refused, Drop) and refused.reason is DropReason.HTTP_STATUS
    assert refused.code == "http_404" and refused.to_dict()["reason"] == "http_404"
    challenge = ("<html><head><title>Just a moment...</title></head><body>"
                 "<div id='cf-challenge'>Checking your browser before accessing</div></body></html>")
    assert process_page(_page(challenge.encode(), status=503)).reason is DropReason.CHALLENGE_PAGE


def test_never_raises_on_nonsense():
    for body in (b"", b"\x00" * 100, "نص بلا وسوم".encode(), b"<html><body><p>" * 5000):
        result = process_page(_page(body))
        assert isinstance(result, (Article, Drop))
        if isinstance(result, Drop):
            assert isinstance(result.reason, DropReason) and result.code
