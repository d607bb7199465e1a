"""extract_article on hand-written pages in the styles Marsad meets (tests/pages/)."""
from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.extract import EXTRACTOR_VERSION, decode_html, extract_article, parse_html

PAGES = Path(__file__).parent / "pages"
FIELDS = {"title", "text", "paragraphs", "authors", "language", "canonical_url", "sitename",
          "categories", "tags", "image", "description", "is_article", "drop_reason", "quality",
          "extractor_version", "classifier", "captions", "flags"}


def extract(name: str, **kwargs) -> dict:
    html, _ = decode_html((PAGES / name).read_bytes())
    return extract_article(parse_html(html), **kwargs)


def assert_clean(result: dict, *, must: list[str], never: list[str]) -> None:
    for snippet in must:
        assert snippet in result["text"], f"missing {snippet!r}"
    for snippet in never:
        assert snippet not in result["text"], f"leaked {snippet!r}"


def test_record_shape():
    result = extract("wordpress_comments.html")
    assert set(result) == FIELDS
    assert result["text"] == "\n".join(result["paragraphs"])
    assert result["extractor_version"] == EXTRACTOR_VERSION
    assert 0.0 <= result["quality"] <= 1.0


def test_wordpress_comments_likes_share_and_related_never_reach_the_text():
    result = extract("wordpress_comments.html", url="https://sahel.example/?p=512")
    assert result["is_article"] and result["drop_reason"] is None
    assert result["title"] == "افتتاح محطة تحلية جديدة في مدينة الواحة الساحلية"
    assert_clean(result, must=["افتتح محافظ الإقليم صباح السبت", "وحدات استرجاع الضغط",
                               "شبكة الألواح الشمسية التي تنشئها البلدية"],
                 never=["أترك تعليقاً", "مدونون معجبون", "معجب بهذه", "إعجاب", "شارك هذا", "تويتر",
                        "خطوة ممتازة طال انتظارها", "بريدك الإلكتروني", "تدشين خط مياه جديد",
                        "الأكثر قراءة", "جميع الحقوق محفوظة", "الوسوم"])
    assert len(result["paragraphs"]) == 3
    assert result["authors"] == ["سلمى الراشد"]
    assert result["canonical_url"] == "https://sahel.example/2026/03/14/desalination-plant/"
    assert result["sitename"] == "أخبار الساحل"
    assert result["categories"] == ["محليات"]
    assert result["tags"] == ["مياه", "بنية تحتية"]
    assert result["image"].endswith("station.jpg")
    assert result["language"] == "ar"


def test_portal_clock_ticker_share_bar_and_footers_are_removed():
    result = extract("portal_clock_ticker.html")
    assert result["is_article"]
    assert result["title"] == "وزارة النقل تعلن تشغيل قطار الدلتا السريع الشهر المقبل"
    assert_clean(result, must=["قطار الدلتا السريع سيبدأ رحلاته التجريبية", "ثماني عربات مكيفة",
                               "ستمتد إلى دمياط"],
                 never=["بتوقيت القاهرة", "التوقيت الآن", "02:45", "عاجل", "رئيس الوزراء يصل إلى أسوان",
                        "شارك الخبر", "فيسبوك", "أخبار متعلقة", "تطوير محطة مصر", "النشرة البريدية",
                        "حمّل تطبيق", "الأكثر قراءة", "طقس الغد", "جميع الحقوق محفوظة", "رئيس التحرير",
                        "القاهرة: الأحد", "كتب: كريم منصور", "الرئيسية"])
    assert result["authors"] == ["كريم منصور"]
    assert result["tags"] == ["قطارات", "النقل", "الدلتا"]
    assert result["image"] == "https://nile.example/img/train.jpg"
    assert result["sitename"] == "بوابة النيل الإخبارية"


def test_amp_page():
    result = extract("amp_article.html")
    assert result["is_article"]
    assert result["title"] == "انطلاق موسم حصاد التمور في الواحات الجنوبية"
    assert result["canonical_url"] == "https://janoub.example/news/2026/09/dates-harvest"
    assert len(result["paragraphs"]) == 3
    assert_clean(result, must=["مئة وعشرين ألف طن", "أول شحنة إلى الأسواق الأوروبية", "تلف جزء من المحصول"],
                 never=["الرئيسية", "اقتصاد", "جميع الحقوق محفوظة"])


def test_jsonld_article_body_rescues_a_thin_html_body_without_duplicates():
    result = extract("jsonld_body.html")
    assert result["is_article"]
    assert len(result["paragraphs"]) == 3
    assert result["text"].count("أقر المجلس البلدي") == 1
    assert_clean(result, must=["بناء مدرستين ابتدائيتين", "وعد رئيس المجلس بمراجعة الملف"],
                 never=["سجّل الدخول"])
    assert result["authors"] == ["ليلى حداد", "عمر بن يوسف"]
    assert result["canonical_url"] == "https://marsad-local.example/article/4471"
    assert result["categories"] == ["سياسة محلية"]


def test_inline_read_also_links_go_and_the_paragraphs_around_them_stay():
    result = extract("inline_read_also.html")
    assert result["is_article"]
    assert_clean(result, must=["ارتفع خلال الأسبوع الماضي إلى نحو ثلاثة آلاف أسرة", "حليب الأطفال",
                               "تجاوزت طاقتها الاستيعابية", "أجلت خلال الليلة الماضية"],
                 never=["اقرأ", "إقرأ", "قافلة مساعدات", "موجة برد", "أسعار الوقود", "لقاء تشاوري"])
    assert len(result["paragraphs"]) == 4
    assert result["title"] == "ارتفاع عدد النازحين من ريف المدينة الشمالي إلى ثلاثة آلاف أسرة"


def test_every_shape_of_read_also_inside_the_body_goes():
    result = extract("read_also_variants.html")
    assert result["is_article"]
    assert [p.split()[1] for p in result["paragraphs"]] == ["الأولى", "الثانية", "الثالثة", "الرابعة", "الخامسة"]
    assert "مرتبط" not in result["text"] and "تطبيقنا" not in result["text"]


def test_legacy_table_layout_in_windows_1256_without_charset():
    result = extract("legacy_table_cp1256.html")
    assert result["is_article"]
    assert result["title"] == "وصول وفد الوساطة إلى المدينة المحاصرة"
    assert len(result["paragraphs"]) == 4  # <br><br> runs become paragraphs
    assert_clean(result, must=["هدنة لمدة ثماني وأربعين ساعة", "وعودة المهجرين إلى قراهم"],
                 never=["الأرشيف", "|", "جميع الحقوق محفوظة", "12/4/2011", "عدد الزوار", "51207"])


def test_legacy_headline_in_font_with_site_name_title_and_lying_meta_charset():
    raw = (PAGES / "legacy_font_headline_mislabelled.html").read_bytes()
    html, encoding = decode_html(raw, "text/html; charset=ISO-8859-1")
    assert encoding == "windows-1256"
    result = extract_article(parse_html(html))
    assert result["title"] == "البرلمان يصادق على قانون الانتخابات الجديد"
    assert len(result["paragraphs"]) == 4
    assert_clean(result, must=["بأغلبية مريحة", "سيدخل حيز التنفيذ فور نشره"],
                 never=["اقرأ أيضا", "الحكومة تعلن موعد الانتخابات", "طباعة", "أرسل لصديق", "محليات",
                        "جميع الحقوق محفوظة", "الخميس 5 مايو 2005"])


def test_legacy_page_with_link_table_sidebar_poll_and_generic_title():
    result = extract("legacy_sidebar_poll_cp1256.html")
    assert result["title"] == "انهيار مبنى سكني قديم في الحي الشرقي دون إصابات"
    assert len(result["paragraphs"]) == 3
    assert_clean(result, must=["انهار فجر اليوم مبنى سكني قديم", "عشرات البيوت تعاني من تصدعات"],
                 never=["|", "ارتفاع أسعار النفط", "آخر الأخبار", "استفتاء", "هل تؤيد", "عدد القراءات",
                        "نسخة للطباعة", "لا توجد تعليقات", "أضف تعليقك", "حقوق النشر", "رجب"])


def test_persian_page_is_wrong_language_even_with_lang_ar():
    result = extract("persian.html")
    assert result["language"] == "fa"
    assert result["is_article"] is False and result["drop_reason"] == "wrong_language"
    assert extract("persian.html", language="fa")["is_article"] is True


@pytest.mark.parametrize("name,reason", [
    ("section_page.html", "not_article"),
    ("drupal_listing.html", "not_article"),
    ("video_stub.html", "video_only"),
    ("soft_404.html", "soft_404"),
    ("challenge.html", "challenge_page"),
])
def test_not_articles_are_flagged_with_their_reason(name, reason):
    result = extract(name)
    assert result["is_article"] is False
    assert result["drop_reason"] == reason
    assert result["quality"] < 0.35


def test_tag_page_with_a_single_teaser_is_not_an_article():
    result = extract("tag_single.html", url="https://shamal.example/ar/tag/ports")
    assert result["drop_reason"] == "not_article"
    # Without the tag URL one teaser alone is not enough evidence: stays an article.
    assert extract("tag_single.html")["drop_reason"] is None


def test_article_whose_body_sits_beside_related_teasers_stays_an_article():
    teasers = "".join(f'<div class="card"><h3><a href="/n/{i}">عنوان خبر آخر رقم {i} عن الاقتصاد المحلي</a></h3>'
                      f"<p>ملخص قصير للخبر الآخر رقم {i}.</p></div>" for i in range(6))
    html = ("<html><head><meta property='og:type' content='article'><title>خبر</title></head><body>"
            "<h1>وصول أول رحلة مباشرة إلى المطار الجديد</h1>"
            "<p>حطت صباح اليوم أول رحلة مباشرة في المطار الجديد قادمة من العاصمة، وعلى متنها مئة وخمسون راكبا. "
            "وقال مدير المطار إن الرحلات ستصبح يومية اعتبارا من الشهر المقبل.</p>"
            f"<div class='more'>{teasers}</div></body></html>")
    result = extract_article(html)
    assert result["is_article"], result["drop_reason"]
    assert "عنوان خبر آخر" not in result["text"]


def test_short_news_brief_is_still_an_article():
    result = extract("brief.html")
    assert result["is_article"], result["drop_reason"]
    assert "أغلقت شرطة المرور الطريق الساحلي" in result["text"]


def test_xpath_overrides_pick_title_and_body():
    result = extract("portal_clock_ticker.html",
                     xpaths={"title": "//div[@class='article-info']", "body": "//div[@class='article-text']/p[2]"})
    assert result["title"] == "كتب: كريم منصور"
    assert result["paragraphs"] == [
        "وأوضح المتحدث باسم الوزارة أن القطار يتكون من ثماني عربات مكيفة، وأن أسعار التذاكر ستعلن قبل "
        "التشغيل بأسبوعين بعد مراجعتها مع هيئة السكك الحديدية."]


def test_broken_xpath_override_falls_back_to_normal_extraction():
    result = extract("amp_article.html", xpaths={"body": "//div[@class=", "title": "]]"})
    assert result["title"] == "انطلاق موسم حصاد التمور في الواحات الجنوبية"
    assert len(result["paragraphs"]) == 3


def test_densest_block_finds_the_text_among_menus():
    from pipelines.extract.blocks import densest_block, paragraphs_of

    menu = "".join(f'<a href="/s{i}">قسم {i}</a> ' for i in range(30))
    text = "<br>".join(["جملة أولى طويلة بما يكفي لتكون فقرة من الخبر المنشور اليوم"] * 3)
    root = parse_html(f"<html><body><div id='m'>{menu}</div><div id='t'><font>{text}</font></div>"
                      f"<div id='n'>{menu}</div></body></html>")
    block = densest_block(root.find("body"))
    assert block.get("id") == "t"
    assert len(paragraphs_of(block)) == 3


def test_menu_links_beside_unbroken_text_stay_out():
    menu = "".join(f'<a href="/s{i}">قسم {i}</a> ' for i in range(30))
    body = ("اجتمع وزراء الزراعة في الدول المتشاطئة لبحث تقاسم مياه النهر خلال موسم الجفاف المقبل. "
            "واتفق المجتمعون على تشكيل لجنة فنية مشتركة تقدم تقريرها خلال ثلاثة أشهر من تاريخه.")
    result = extract_article(f"<html><body><div>{menu}</div><div>{body}</div></body></html>")
    assert result["paragraphs"] == [body.strip()]


def test_br_separated_text_among_menus_becomes_paragraphs():
    # Text only in bare <div>s with <br>s, one long block among link menus.
    menu = "".join(f'<a href="/s{i}">قسم {i}</a> ' for i in range(30))
    body = "<br><br>".join([
        "اجتمع وزراء الزراعة في الدول المتشاطئة لبحث تقاسم مياه النهر خلال موسم الجفاف المقبل",
        "واتفق المجتمعون على تشكيل لجنة فنية مشتركة تقدم تقريرها خلال ثلاثة أشهر من تاريخه",
        "وقال مسؤول في الوفد إن المباحثات جرت في أجواء إيجابية رغم الخلاف على الحصص المائية"])
    html = f"<html><body><div>{menu}</div><div>{body}</div><div>{menu}</div></body></html>"
    result = extract_article(html)
    assert result["is_article"]
    assert len(result["paragraphs"]) == 3
    assert "قسم 3" not in result["text"]


def test_extract_accepts_html_string_and_bytes():
    raw = (PAGES / "brief.html").read_bytes()
    from_bytes = extract_article(raw)
    from_str = extract_article(raw.decode("utf-8"))
    assert from_bytes["text"] == from_str["text"] and from_bytes["text"]


def test_jsonld_body_cross_check_trims_a_leaked_tail_but_keeps_quoted_paragraphs():
    paras = ["أعلنت وزارة الصحة تسجيل تراجع في عدد الإصابات بالحمى خلال الأسبوع الماضي في المحافظات الجنوبية.",
             "وقال المتحدث باسم الوزارة إن حملة التطعيم بلغت نحو ثمانين في المئة من المستهدفين حتى الآن.",
             "وأضاف: “سنواصل الحملة حتى نهاية الشهر الجاري في القرى النائية”، داعيا الأهالي إلى التعاون."]
    body_json = "\\n".join(p.replace("“", '\\"').replace("”", '\\"') for p in paras)
    html = ("<html><head><title>تراجع الإصابات بالحمى</title>"
            '<script type="application/ld+json">{"@type":"NewsArticle","headline":"تراجع الإصابات بالحمى",'
            f'"articleBody":"{body_json}"}}</script></head><body><h1>تراجع الإصابات بالحمى</h1>'
            "<div class='story'>" + "".join(f"<p>{p}</p>" for p in paras)
            + "<p>هذا النص من أرشيف قديم يعود إلى إصدار سابق من الصحيفة الورقية وقد يختلف عن النسخة الحالية.</p>"
            "</div></body></html>")
    result = extract_article(html)
    assert result["paragraphs"] == paras


def test_author_from_visible_byline_when_metadata_has_none():
    text = "<p>" + "بدأت أمس أعمال صيانة الطريق الدائري الشمالي على أن تستمر أسبوعين كاملين. " * 3 + "</p>"
    result = extract_article("<html><body><h1>صيانة الطريق الدائري الشمالي</h1>"
                             f"<div class='meta'>كتبت: سلمى يوسف</div>{text}</body></html>")
    assert result["authors"] == ["سلمى يوسف"]
    assert "سلمى يوسف" not in result["text"]
