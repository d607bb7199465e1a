"""The publication-date chooser on small hand-written pages."""
from __future__ import annotations

import lxml.html
import pytest

from pipelines.dates import find_publication_date

KEYS = {"published", "published_utc", "published_precision", "published_source",
        "published_raw", "modified", "modified_utc", "published_zone_corrected"}

CLOCK_PAGE = """<html><head><title>خبر</title></head><body>
<header class="site-header"><div class="top-date">التوقيت الإثنين، 25 نوفمبر 2024 11:40 ص بتوقيت القاهرة</div>
<nav><a href="/">الرئيسية</a></nav></header>
<div class="ticker">عاجل: الأحد، 24 نوفمبر 2024 - اجتماع طارئ</div>
<main><article>
<h1>افتتاح جسر جديد فوق النيل</h1>
<div class="related-news"><ul>
<li><a href="/a">خبر سابق</a> <span>الأحد، 24 نوفمبر 2024 09:00 ص</span></li>
<li><a href="/b">خبر أقدم</a> <span>السبت، 23 نوفمبر 2024 07:10 م</span></li>
</ul></div>
<div class="meta"><span class="byline">كتب: محمد علي</span>
<span class="dateline">نشر في: الجمعة، 22 نوفمبر 2024 - 08:15 م</span></div>
<p>افتتح المحافظ اليوم جسرا جديدا يربط ضفتي النهر بعد أعمال استمرت عامين.</p>
<div class="comments"><div class="comment">تعليق: 25 نوفمبر 2024 10:00 ص</div></div>
</article></main>
<footer>© 2024 جميع الحقوق محفوظة - آخر تحديث 25/11/2024</footer>
</body></html>"""


def test_clock_ticker_related_and_comments_never_win() -> None:
    got = find_publication_date(CLOCK_PAGE, timezone="Africa/Cairo",
                                fetched_at="2024-11-25T10:00:00Z")
    assert got["published_source"] == "dateline"
    assert got["published"] == "2024-11-22T20:15:00+02:00"
    assert got["published_utc"] == "2024-11-22T18:15:00Z"
    assert got["published_precision"] == "minute"
    assert "22 نوفمبر 2024" in got["published_raw"]


def test_record_shape() -> None:
    got = find_publication_date(CLOCK_PAGE, timezone="Africa/Cairo")
    assert set(got) == KEYS


JSONLD_PAGE = """<html><head>
<script type="application/ld+json">{"@context": "https://schema.org", "@graph": [
  {"@type": "WebSite", "name": "موقع"},
  {"@type": ["NewsArticle"], "headline": "عنوان", "datePublished": "2024-11-20T09:05:00+03:00",
   "dateModified": "2024-11-21T12:00:00+03:00"}]}</script>
</head><body><article><h1>عنوان الخبر</h1>
<p class="date">الأحد 24 نوفمبر 2024</p><p>نص الخبر هنا.</p></article></body></html>"""


def test_jsonld_beats_visible_dateline_and_keeps_modified() -> None:
    got = find_publication_date(JSONLD_PAGE, timezone="Asia/Riyadh",
                                fetched_at="2024-11-25T00:00:00Z")
    assert got["published_source"] == "jsonld"
    assert got["published"] == "2024-11-20T09:05:00+03:00"
    assert got["modified"] == "2024-11-21T12:00:00+03:00"
    assert got["modified_utc"] == "2024-11-21T09:00:00Z"


def test_jsonld_list_and_site_zone_display() -> None:
    page = """<html><head><script type="application/ld+json">[{"@type": "BreadcrumbList"},
      {"@type": "Article", "datePublished": "2023-06-01T21:30:00Z"}]</script></head>
      <body><h1>ع</h1></body></html>"""
    got = find_publication_date(page, timezone="Asia/Amman")
    # 21:30 UTC is already 2 June in Amman: the local date is the site's.
    assert got["published"] == "2023-06-02T00:30:00+03:00"
    assert got["published_utc"] == "2023-06-01T21:30:00Z"


def test_broken_jsonld_still_read() -> None:
    page = """<html><head><script type="application/ld+json">{"@type": "NewsArticle",
      "headline": "سطر
      مكسور", "datePublished": "2022-02-02T10:00:00+02:00",}</script></head><body></body></html>"""
    got = find_publication_date(page)
    assert got["published"].startswith("2022-02-02T10:00:00")
    assert got["published_source"] == "jsonld"


@pytest.mark.parametrize("meta", [
    '<meta property="article:published_time" content="2021-05-04T08:00:00+03:00">',
    '<meta name="pubdate" content="2021-05-04T08:00:00+03:00">',
    '<meta itemprop="datePublished" content="2021-05-04T08:00:00+03:00">',
    '<meta name="DC.date.issued" content="2021-05-04T08:00:00+03:00">',
    '<meta name="sailthru.date" content="2021-05-04 08:00:00 +0300">',
])
def test_meta_tags(meta: str) -> None:
    page = f"<html><head>{meta}</head><body><h1>ع</h1><p>الأحد 9 مايو 2021</p></body></html>"
    got = find_publication_date(page, timezone="Asia/Baghdad")
    assert got["published_source"] == "meta"
    assert got["published"] == "2021-05-04T08:00:00+03:00"


def test_time_element_in_article_header() -> None:
    page = """<html><body><aside class="most-read"><time datetime="2020-01-09">9 يناير</time></aside>
      <article><header><h1>ع</h1><time datetime="2020-01-07T14:00:00+01:00">7 جانفي 2020</time>
      </header><p>نص</p></article></body></html>"""
    got = find_publication_date(page, timezone="Africa/Tunis")
    assert got["published_source"] == "time_element"
    assert got["published"] == "2020-01-07T14:00:00+01:00"


def test_future_date_rejected_falls_back() -> None:
    page = """<html><head><meta property="article:published_time" content="2031-01-01T00:00:00Z">
      </head><body><h1>ع</h1><div class="post-date">3 مارس 2024 - 10:00</div></body></html>"""
    got = find_publication_date(page, timezone="Asia/Riyadh", fetched_at="2024-03-05T12:00:00Z")
    assert got["published_source"] == "dateline"
    assert got["published"] == "2024-03-03T10:00:00+03:00"
    # Without a fetch time nothing is in the future.
    assert find_publication_date(page, timezone="Asia/Riyadh")["published_source"] == "meta"


def test_hints_rank_after_meta_and_before_dateline() -> None:
    page = "<html><body><h1>ع</h1><p class='date'>الاثنين 4 مارس 2024</p></body></html>"
    got = find_publication_date(page, timezone="Asia/Riyadh",
                                hints={"published": "2024-03-03T18:00:00+03:00", "via": "news_sitemap"})
    assert (got["published_source"], got["published"]) == ("sitemap", "2024-03-03T18:00:00+03:00")
    got = find_publication_date(page, timezone="Africa/Cairo",
                                hints={"published": "Sun, 03 Mar 2024 16:00:00 +0000", "via": "rss"})
    assert (got["published_source"], got["published"]) == ("feed", "2024-03-03T18:00:00+02:00")
    meta = page.replace("<html>", '<html><head><meta property="article:published_time" '
                                  'content="2024-03-02T08:00:00+03:00"></head>')
    got = find_publication_date(meta, timezone="Asia/Riyadh", hints={"published": "2024-03-03", "via": "rss"})
    assert got["published_source"] == "meta"


def test_url_is_the_last_resort() -> None:
    got = find_publication_date("<html><body><h1>ع</h1><p>نص بلا تاريخ</p></body></html>",
                                url="https://news.example/2019/07/14/story-slug")
    assert (got["published"], got["published_source"], got["published_precision"]) == (
        "2019-07-14", "url", "day")


def test_element_input_is_not_mutated() -> None:
    tree = lxml.html.fromstring(CLOCK_PAGE)
    before = lxml.html.tostring(tree)
    got = find_publication_date(tree, timezone="Africa/Cairo")
    assert got["published"] == "2024-11-22T20:15:00+02:00"
    assert lxml.html.tostring(tree) == before
    # A sub-element works too: the chooser reads the whole document it belongs to.
    article = tree.find(".//article")
    assert find_publication_date(article, timezone="Africa/Cairo")["published"] == got["published"]


@pytest.mark.parametrize("doc", [None, "", b"", "<<<>>>", 42, b"\x00\xff\xfe", "<html></html>",
                                 "<?xml version='1.0' encoding='utf-8'?><html><body>x</body></html>"])
def test_bad_documents_give_empty_record(doc) -> None:
    got = find_publication_date(doc, fetched_at="not a date", hints={"published": None})
    assert set(got) == KEYS and got["published"] is None


def test_clock_only_page_has_no_date() -> None:
    page = """<html><body><div class="header-date">التوقيت الأحد، 1 ديسمبر 2024 بتوقيت القاهرة</div>
      <h1>عنوان</h1><p>نص</p></body></html>"""
    assert find_publication_date(page, timezone="Africa/Cairo")["published"] is None


def test_dateline_opening_the_first_paragraph() -> None:
    page = """<html><body><h1>عنوان</h1><p>بيروت - 4 حزيران 2023 (وكالة) - أعلنت وزارة الصحة اليوم عن
      حملة جديدة للتلقيح تشمل كل المحافظات وتستمر حتى نهاية الشهر المقبل بحسب بيان رسمي.</p></body></html>"""
    got = find_publication_date(page, timezone="Asia/Beirut")
    assert (got["published"], got["published_source"]) == ("2023-06-04", "dateline")


def test_nearest_time_element_wins_over_earlier_ones() -> None:
    page = """<html><body><div class="box"><time datetime="2019-01-02">قديم</time></div>
      <div class="box"><time datetime="2019-01-03">قديم</time></div>
      <div class="x"><div><div><div><div><div><div><div><div><div><div><span>.</span></div></div></div></div></div>
      </div></div></div></div></div></div>
      <h1>عنوان</h1><div class="info"><time datetime="2019-02-10T08:00:00+03:00">10 فبراير</time></div>
      <p>نص</p></body></html>"""
    got = find_publication_date(page, timezone="Asia/Qatar")
    assert got["published"] == "2019-02-10T08:00:00+03:00"


def test_gregorian_beats_hijri_in_one_dateline() -> None:
    page = """<html><body><h1>عنوان</h1>
      <span class="date">الخميس 5 شوال 1440 هـ الموافق 8 يونيو 2019 م</span></body></html>"""
    got = find_publication_date(page, timezone="Asia/Riyadh")
    assert got["published"] == "2019-06-08"


def test_source_xpath_override_wins() -> None:
    got = find_publication_date(JSONLD_PAGE, timezone="Asia/Riyadh",
                                date_xpath="//p[@class='date']")
    assert (got["published"], got["published_source"]) == ("2024-11-24", "dateline")
    # A broken or empty XPath falls back to the normal order.
    for bad in ("//p[", "//nothing"):
        got = find_publication_date(JSONLD_PAGE, timezone="Asia/Riyadh", date_xpath=bad)
        assert got["published_source"] == "jsonld"


LEGACY_PAGE = """<html><head><title>جريدة المساء | ارتفاع منسوب مياه السد بعد الأمطار</title></head>
<body><table><tr><td><a href="/">الرئيسية</a></td><td><a href="/x">اقتصاد</a></td></tr>
<tr><td>الثلاثاء 12 نوفمبر 2024</td></tr></table>
""" + "".join(f"<table><tr><td><a href='/n{i}'>خبر رقم {i}</a></td></tr></table>" for i in range(40)) + """
<table><tr><td><font size="4"><b>ارتفاع منسوب مياه السد بعد الأمطار</b></font></td></tr>
<tr><td><font size="2">نشر بتاريخ 09/11/2024 - 18:30</font></td></tr>
<tr><td>ارتفع منسوب المياه في السد الرئيسي بعد ثلاثة أيام من الأمطار الغزيرة حسب مصادر رسمية.</td></tr>
</table></body></html>"""


def test_legacy_table_layout_without_h1() -> None:
    got = find_publication_date(LEGACY_PAGE, timezone="Africa/Algiers", fetched_at="2024-11-12T09:00:00Z")
    assert got["published_source"] == "dateline"
    assert got["published"] == "2024-11-09T18:30:00+01:00"


def test_relative_dateline_needs_the_fetch_time() -> None:
    page = "<html><body><h1>عنوان</h1><span class='time'>منذ 3 ساعات</span><p>نص</p></body></html>"
    got = find_publication_date(page, timezone="Asia/Riyadh", fetched_at="2024-03-15T12:30:00Z")
    assert (got["published"], got["published_precision"]) == ("2024-03-15T12:30:00+03:00", "hour")
    assert find_publication_date(page, timezone="Asia/Riyadh")["published"] is None


def test_read_also_link_dates_and_logo_h1() -> None:
    page = """<html><head><title>موقع الخبر | وصول قافلة مساعدات إلى المدينة المحاصرة</title></head><body>
      <header><h1 class="logo">موقع الخبر</h1><span>الأربعاء 6 مارس 2024</span></header>
      <article><h1>وصول قافلة مساعدات إلى المدينة المحاصرة</h1>
      <p><strong>اقرأ أيضاً:</strong> <a href="/old">قافلة سابقة - 1 مارس 2024</a></p>
      <div class="byline">كتب: سامي 05/03/2024 - 09:10</div>
      <p>وصلت القافلة صباح اليوم بعد انتظار طويل على المعبر.</p></article></body></html>"""
    got = find_publication_date(page, timezone="Asia/Gaza", fetched_at="2024-03-06T10:00:00Z")
    assert got["published"] == "2024-03-05T09:10:00+02:00"


def test_update_stamp_is_also_the_modified_date() -> None:
    page = "<html><body><h1>عنوان</h1><span>آخر تحديث: 3 مارس 2024 10:00</span></body></html>"
    got = find_publication_date(page, timezone="Asia/Riyadh")
    assert got["published"] == got["modified"] == "2024-03-03T10:00:00+03:00"
    plain = page.replace("آخر تحديث:", "نشر في:")
    assert find_publication_date(plain, timezone="Asia/Riyadh")["modified"] is None


def test_jsonld_value_forms_and_rdfa() -> None:
    page = """<html><head><script type="application/ld+json">{"@type": "NewsArticle",
      "datePublished": ["2021-09-01T10:00:00+02:00"], "dateModified": {"@value": "2021-09-02T10:00:00+02:00"}}
      </script></head><body><h1>ع</h1></body></html>"""
    got = find_publication_date(page, timezone="Africa/Cairo")
    assert (got["published"], got["modified"]) == ("2021-09-01T10:00:00+02:00", "2021-09-02T10:00:00+02:00")
    rdfa = """<html><body><article><h1>ع</h1><span property="dc:date" content="2021-09-03T08:00:00+02:00">
      3 سبتمبر</span></article></body></html>"""
    got = find_publication_date(rdfa, timezone="Africa/Cairo")
    assert (got["published"], got["published_source"]) == ("2021-09-03T08:00:00+02:00", "meta")


def test_unix_timestamp_meta() -> None:
    page = '<html><head><meta name="timestamp" content="1700000000"></head><body><h1>ع</h1></body></html>'
    got = find_publication_date(page, timezone="Asia/Amman")
    assert got["published_utc"] == "2023-11-14T22:13:20Z"
    assert got["published"] == "2023-11-15T01:13:20+03:00"


def test_placeholder_dates_are_skipped() -> None:
    page = """<html><head><meta property="article:published_time" content="1970-01-01T00:00:00Z"></head>
      <body><h1>ع</h1><p class="date">12 مايو 2022</p></body></html>"""
    got = find_publication_date(page, timezone="Asia/Dubai")
    assert (got["published"], got["published_source"]) == ("2022-05-12", "dateline")


def test_jsonld_related_items_do_not_win() -> None:
    page = """<html><head><script type="application/ld+json">{"@type": "ItemList", "itemListElement": [
      {"@type": "NewsArticle", "url": "https://x.example/old-1", "datePublished": "2024-01-01T08:00:00+03:00"},
      {"@type": "NewsArticle", "url": "https://x.example/old-2", "datePublished": "2024-01-02T08:00:00+03:00"}]}
      </script><script type="application/ld+json">{"@type": "NewsArticle", "headline": "خبر اليوم",
      "mainEntityOfPage": {"@id": "https://www.x.example/news/42/"},
      "datePublished": "2024-02-05T09:30:00+03:00", "dateModified": "2024-02-05T11:00:00+03:00"}</script>
      </head><body><h1>خبر اليوم</h1></body></html>"""
    got = find_publication_date(page, url="https://x.example/news/42?utm_source=rss", timezone="Asia/Kuwait")
    assert got["published"] == "2024-02-05T09:30:00+03:00"
    assert got["modified"] == "2024-02-05T11:00:00+03:00"
    # Without the URL the headline still names the page's own object.
    assert find_publication_date(page, timezone="Asia/Kuwait")["published"] == "2024-02-05T09:30:00+03:00"
