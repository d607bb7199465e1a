"""Issue 11 on hand-written pages (tests/pages/): index pages, lying time zones, header
date lines, prefixed titles, hidden text, captions and legacy comments."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from pipelines.dates import find_publication_date
from pipelines.extract import decode_html, extract_article, parse_html
from pipelines.extract.hidden import hidden_classes
from pipelines.process import process_page
from pipelines.records import Article, Drop

PAGES = Path(__file__).parent / "pages"
EXPECTED = yaml.safe_load((PAGES / "expected.yaml").read_text(encoding="utf-8"))


def page(name: str, *, timezone: str | None = None, url: str | None = None) -> dict:
    return {"url": url, "final_url": url, "status": 200, "body": (PAGES / name).read_bytes(),
            "content_type": None, "source": "test", "fetched_at": "2026-01-01T00:00:00Z",
            "timezone": timezone, "language": "ar", "xpaths": None, "hints": None}


def extract(name: str) -> dict:
    html, _ = decode_html((PAGES / name).read_bytes())
    return extract_article(parse_html(html))


def test_every_page_listed_with_its_outcome():
    assert set(EXPECTED) == {p.name for p in PAGES.glob("*.html")}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_page_outcome(name):
    result = process_page(page(name), with_events=False)
    got = "article" if isinstance(result, Article) else result.code
    assert got == EXPECTED[name], getattr(result, "detail", None)


@pytest.mark.parametrize("name", ["front_table_directory.html", "section_headline_lead.html",
                                  "list_fragment.html"])
def test_listing_drops_name_the_signals_that_decided(name):
    result = process_page(page(name), with_events=False)
    assert isinstance(result, Drop) and result.code == "not_article"
    detail = result.detail
    assert detail.startswith("listing (")
    for signal in ("units=", "repeated_form=", "teaser_share=", "own_chars=", "largest_own_block=",
                   "link_density="):
        assert signal in detail
    units = int(detail.split("units=")[1].split()[0])
    assert units >= 7


def test_front_page_in_a_table_layout_counts_headline_and_lead_rows_as_one_teaser():
    result = extract("front_table_directory.html")
    assert result["drop_reason"] == "not_article"
    share = float(result["classifier"].split("teaser_share=")[1].split()[0])
    assert share >= 0.9


def test_articles_record_the_classifier_signals_too():
    result = extract("captions_body.html")
    assert result["is_article"] and result["classifier"].startswith("article: ")


def test_machine_time_with_the_wrong_zone_yields_to_the_visible_local_time():
    result = process_page(page("wrong_zone_meta.html", timezone="Africa/Cairo"), with_events=False)
    assert isinstance(result, Article)
    assert result.published_local == "2024-07-14T09:30:00+03:00"
    assert result.published_utc == "2024-07-14T06:30:00Z"
    assert result.published_source == "dateline" and result.published_zone_corrected is True
    assert result.modified_local == "2024-07-14T11:05:00+03:00"


def test_machine_time_is_kept_when_the_difference_is_not_the_site_offset():
    html = (PAGES / "wrong_zone_meta.html").read_text(encoding="utf-8").replace("09:30 ص", "10:30 ص")
    got = find_publication_date(parse_html(html), timezone="Africa/Cairo")
    assert got["published_source"] == "meta" and got["published_zone_corrected"] is False
    assert got["published"] == "2024-07-14T12:30:00+03:00"
    # Without the site's zone nothing can be compared.
    html = (PAGES / "wrong_zone_meta.html").read_text(encoding="utf-8")
    assert find_publication_date(parse_html(html))["published_zone_corrected"] is False


def test_header_date_line_never_wins_over_the_article_own_date():
    html, _ = decode_html((PAGES / "legacy_comments_cp1256.html").read_bytes())
    got = find_publication_date(parse_html(html), timezone="Asia/Damascus")
    assert got["published"] == "2013-02-27"
    # Without a date of its own (and without the dated comments), the header line is all there is.
    alone = html.replace("تاريخ النشر: 27/02/2013", "")
    alone = re.sub(r'<table[^>]*bgcolor="#F5F5F5">.*?</table>', "", alone, flags=re.S)
    assert find_publication_date(parse_html(alone), timezone="Asia/Damascus")["published"] == "2013-03-03"


def test_header_date_line_inside_the_article_container_is_still_not_the_date():
    body = "<p>" + "نص الخبر عن افتتاح الجسر الجديد فوق النهر بعد سنوات من الانتظار والعمل. " * 8 + "</p>"
    html = (f"<html><body><div><div>اليوم: الأحد 3 آذار 2013</div><h1>افتتاح الجسر الجديد</h1>{body}"
            "<div>نشر في 1 آذار 2013</div></div></body></html>")
    assert find_publication_date(parse_html(html))["published"] == "2013-03-01"


def test_visible_headline_beats_a_title_with_a_long_prefix_and_typos():
    result = extract("title_long_prefix.html")
    assert result["title"] == "ارتفاع منسوب مياه النهر يغمر أراضي زراعية في القرى الشرقية"
    assert "شبكة أخبار الوادي" not in result["text"]


def test_legacy_table_page_takes_its_headline_not_the_site_title():
    assert extract("legacy_comments_cp1256.html")["title"] == "إعادة تأهيل محطة ضخ المياه في الريف الشرقي"


def test_hidden_and_screen_reader_text_never_reaches_the_text():
    result = extract("offscreen_labels.html")
    for label in ("القائمة الرئيسية", "أنت هنا", "أدوات المقال", "الشريط الجانبي", "يفتح في نافذة جديدة",
                  "انتقل إلى قائمة التنقل", "طبع من موقع"):
        assert label not in result["text"], label
    # Hidden only on narrow screens (@media): body text. Inline hidden span: its paragraph stays.
    assert "قاعة رقمية تضم مئتي حاسوب" in result["text"]
    assert "فهرسة مقتنيات المكتبة إلكترونيا" in result["text"]
    assert len(result["paragraphs"]) == 4


def test_page_stylesheet_hidden_classes_skip_media_blocks():
    root = parse_html("<html><head><style>.a{display:none} @media print{.b{display:none}} "
                      ".c, .d { position:absolute; left:-9999px } .e{color:red}</style></head>"
                      "<body></body></html>")
    assert hidden_classes(root) == {"a", "c", "d"}


def test_captions_go_to_their_own_field():
    result = extract("captions_body.html")
    assert result["captions"] == ["مزارعون يقطفون الزيتون في أحد حقول القرية صباح السبت",
                                  "معصرة تقليدية تعمل بالحجر في القرية القديمة (أرشيف)",
                                  "عمال ينقلون أكياس الزيتون إلى المعصرة"]
    for cap in result["captions"]:
        assert cap not in result["text"]
    assert len(result["paragraphs"]) == 3


def test_legacy_table_comments_never_reach_the_body():
    result = extract("legacy_comments_cp1256.html")
    assert len(result["paragraphs"]) == 3
    for leak in ("أبو عمر", "ام احمد", "الله يجزيكم", "الساقية الشمالية", "28/02/2013", "أخبار المحافظة",
                 "|"):
        assert leak not in result["text"], leak
    assert "خط كهرباء مستقل للمحطة" in result["text"]


def test_a_dated_table_inside_the_body_is_not_taken_for_comments():
    rows = "".join(f"<tr><td>{d}/03/2013</td><td>توزيع {n} سلة غذائية في الحي</td></tr>"
                   for d, n in ((2, 300), (5, 420), (9, 510), (12, 280)))
    text = "<p>" + "وزعت الجمعية الخيرية سلالا غذائية على الأسر المحتاجة في أحياء المدينة. " * 3
    html = (f"<html><body><h1>توزيع السلال الغذائية</h1>{text}</p><table>{rows}</table>{text}</p>"
            "</body></html>")
    assert "توزيع 420 سلة غذائية" in extract_article(html)["text"]


LEADS = [f"يقدم الخبر رقم {n} ملخصا قصيرا عن {topic} في المدينة خلال الأسبوع الماضي بحسب مصادر محلية."
         for n, topic in enumerate(["اجتماع المجلس البلدي", "افتتاح مركز صحي جديد", "مباراة الفريق المحلي",
                                    "ارتفاع أسعار الوقود", "صيانة شبكة الصرف الصحي", "معرض الحرف اليدوية"])]
HEADS = [f"عنوان الخبر رقم {i} عن شؤون المدينة المحلية" for i in range(6)]


def test_flat_section_of_headings_and_leads_is_a_listing():
    items = "".join(f"<h3><a href='/n/{i}'>{h}</a></h3><p>{lead}</p>"
                    for i, (h, lead) in enumerate(zip(HEADS, LEADS, strict=True)))
    result = extract_article(f"<html><head><title>محليات</title></head><body><h1>محليات</h1>"
                             f"<div class='col'>{items}</div></body></html>")
    assert result["drop_reason"] == "not_article", result["classifier"]


def test_cards_wrapped_in_one_link_each_are_a_listing():
    items = "".join(f"<a class='card' href='/n/{i}'><div><h3>{h}</h3><p>{lead}</p></div></a>"
                    for i, (h, lead) in enumerate(zip(HEADS, LEADS, strict=True)))
    result = extract_article(f"<html><head><title>محليات</title></head><body><h1>محليات</h1>{items}"
                             "</body></html>")
    assert result["drop_reason"] == "not_article", result["classifier"]


def test_front_page_keeps_being_a_listing_with_an_editorial_box():
    html = (PAGES / "front_table_directory.html").read_text(encoding="utf-8")
    editorial = ("<tr><td><b>كلمة العدد</b></td></tr><tr><td>" + "إن تحسن الخدمات لا يعفي المسؤولين من واجب "
                 "المتابعة اليومية لمشاريع المياه والطرق في الأقضية. " * 4 + "</td></tr>")
    directory = '<tr><td bgcolor="#CCCCCC"><b>دليل الصحف</b>'
    html = html.replace(directory, editorial + directory)
    assert extract_article(html)["drop_reason"] == "not_article"


def test_a_brief_among_many_teaser_boxes_stays_an_article():
    boxes = "".join(f"<div><h4><a href='/n/{i}'>{h}</a></h4><span>{lead[:80]}</span></div>"
                    for i, (h, lead) in enumerate(zip(HEADS * 2, LEADS * 2, strict=True)))
    brief = ("أغلقت شرطة المرور الطريق الساحلي صباح اليوم بسبب الضباب الكثيف الذي حجب الرؤية تماما. "
             "ودعت السائقين إلى استخدام الطريق الداخلي حتى إشعار آخر.")
    result = extract_article("<html><head><title>إغلاق الطريق الساحلي بسبب الضباب - موقع</title>"
                             "<meta property='og:type' content='article'></head><body>"
                             f"<h1>إغلاق الطريق الساحلي بسبب الضباب</h1><p>{brief}</p><div>{boxes}</div>"
                             "</body></html>")
    assert result["is_article"], result["classifier"]
    assert brief in result["text"] and "عنوان الخبر رقم" not in result["text"]


def test_a_section_intro_does_not_make_a_listing_an_article():
    items = "".join(f"<div class='item'><h3><a href='/n/{i}'>{h}</a></h3><p>{lead}</p></div>"
                    for i, (h, lead) in enumerate(zip(HEADS, LEADS, strict=True)))
    intro = ("تابع في هذا القسم آخر أخبار المدينة والمحافظة لحظة بلحظة، من البلديات والمدارس والمستشفيات "
             "والأسواق، مع تقارير مراسلينا في الأحياء والقرى المجاورة.")
    result = extract_article("<html><head><title>أخبار المدينة - موقع</title></head><body>"
                             f"<h1>أخبار المدينة</h1><p class='intro'>{intro}</p>{items}</body></html>")
    assert result["drop_reason"] == "not_article", result["classifier"]


def test_related_teasers_leaked_after_a_legacy_article_are_trimmed():
    body = "<br><br>".join([
        "وصل وفد الوساطة المؤلف من شيوخ العشائر ورجال الدين إلى المدينة المحاصرة بعد ظهر الثلاثاء، "
        "في محاولة لفتح ممر آمن لخروج الجرحى.",
        "وقال أحد أعضاء الوفد إن الطرفين وافقا مبدئيا على هدنة لمدة ثماني وأربعين ساعة، "
        "على أن تبدأ عند منتصف الليل.",
        "ويأمل الوسطاء أن تمهد الهدنة لمفاوضات أوسع حول إطلاق المعتقلين وعودة المهجرين إلى قراهم."])
    teasers = "".join(f"<tr><td><b><a href='n.asp?id={i}'>{h}</a></b></td></tr><tr><td>{lead}</td></tr>"
                      for i, (h, lead) in enumerate(zip(HEADS * 2, LEADS * 2, strict=True)))
    html = ("<html><head><title>الأخبار :: وصول وفد الوساطة إلى المدينة المحاصرة</title></head><body>"
            "<table width=780><tr><td><table><tr><td><font size=4>"
            "<b>وصول وفد الوساطة إلى المدينة المحاصرة</b>"
            f"</font></td></tr><tr><td><font size=3>{body}</font></td></tr></table><table>{teasers}</table>"
            "</td></tr></table></body></html>")
    result = extract_article(html)
    assert result["is_article"], result["classifier"]
    assert len(result["paragraphs"]) == 3
    assert "عنوان الخبر رقم" not in result["text"] and "يقدم الخبر رقم" not in result["text"]


def test_headline_linking_to_its_own_page_beats_a_prefixed_title():
    text = "".join(f"<p>{lead}</p>" for lead in LEADS[:3])
    html = ("<html><head><title>موقع الأنباء | أخبار | محليات | "
            "افتتاح مركز صحى جديد فى الضاحية الغربية</title>"
            "<link rel='canonical' href='https://anba.example/n/77'></head><body>"
            "<h2><a href='https://anba.example/n/77'>افتتاح مركز صحي جديد في الضاحية الغربية</a></h2>"
            f"{text}</body></html>")
    assert extract_article(html)["title"] == "افتتاح مركز صحي جديد في الضاحية الغربية"


def test_a_caption_class_without_an_image_is_not_a_caption():
    lead = "ملخص الخبر: أعلنت البلدية خطة لتوسيع شبكة المياه في الأحياء الشرقية خلال العام المقبل."
    text = "".join(f"<p>{line}</p>" for line in LEADS[:3])
    result = extract_article("<html><head><title>خطة لتوسيع شبكة المياه - موقع</title></head><body>"
                             f"<h1>خطة لتوسيع شبكة المياه</h1><p class='news-caption'>{lead}</p>{text}"
                             "</body></html>")
    assert result["captions"] == []
    assert extract("captions_body.html")["captions"]  # the same code finds the real ones


def test_an_update_stamp_three_hours_later_is_no_proof_of_a_wrong_zone():
    html = (PAGES / "wrong_zone_meta.html").read_text(encoding="utf-8").replace(
        "2024-07-14T09:30:00Z", "2024-07-14T06:30:00Z").replace(
        "الأحد، 14 يوليو 2024 09:30 ص", "آخر تحديث: الأحد، 14 يوليو 2024 12:30 م")
    got = find_publication_date(parse_html(html), timezone="Africa/Cairo")
    assert got["published_source"] == "meta" and got["published"] == "2024-07-14T09:30:00+03:00"
    assert got["published_zone_corrected"] is False


def test_unlinked_headline_list_under_a_placeholder_title_is_a_listing():
    items = "".join(f"<li>{h} <span>10:{i:02d}</span></li>" for i, h in enumerate(HEADS + HEADS[:3]))
    result = extract_article(f"<html><head><title>Untitled Document</title></head><body><ul>{items}</ul>"
                             "</body></html>")
    assert result["drop_reason"] == "not_article"
    assert "placeholder_title" in result["classifier"] and "list_items=" in result["classifier"]
    # The same list under a real title may be an article (a list of names, a statement's points).
    titled = extract_article(f"<html><head><title>أسماء الفائزين</title></head><body><ul>{items}</ul>"
                             "</body></html>")
    assert titled["drop_reason"] is None


def test_section_page_with_long_leads_is_a_listing():
    items = "".join(f"<div class='row'><h2><a href='/n/{i}'>{h}</a></h2>"
                    f"<div class='sum'>{' '.join([lead] * 5)}</div></div>"
                    for i, (h, lead) in enumerate(zip(HEADS, LEADS, strict=True)))
    result = extract_article("<html><head><title>محليات - موقع</title></head><body>"
                             f"<div class='sec'>محليات</div>{items}</body></html>")
    assert result["drop_reason"] == "not_article", result["classifier"]
