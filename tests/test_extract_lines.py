"""Line-level boilerplate decisions (pipelines/extract/lines.py) on our own strings."""
from __future__ import annotations

import pytest

from pipelines.arabic import fold_text
from pipelines.extract.lines import (is_boilerplate_line, is_comment_policy, is_date_line, is_list_heading,
                                     is_share_bar, starts_with_list_heading)
from pipelines.extract.postclean import postclean


@pytest.mark.parametrize("line", [
    "التعليقات المنشورة لا تعبر عن رأي الموقع وإنما عن رأي أصحابها",
    "نحتفظ بحق حذف أي تعليق مسيء أو خارج عن الموضوع",
    "سيتم مراجعة تعليقك من قبل المشرفين قبل نشره",
])
def test_comment_policy(line):
    assert is_comment_policy(fold_text(line))


def test_news_about_moderation_is_not_comment_policy():
    news = ("قالت الشركة في بيان اليوم إنها ستحذف التعليقات التي تحرض على الكراهية من منصاتها، وإن فرق "
            "المشرفين ستراجع البلاغات خلال أربع وعشرين ساعة، بعد انتقادات واسعة من منظمات حقوقية.")
    assert not is_comment_policy(fold_text(news))
    assert not is_boilerplate_line(news)


@pytest.mark.parametrize("line", ["الثلاثاء، 18 فبراير 2025 08:05 م", "القاهرة: السبت 3 جوان 2015 - 10:20 ص",
                                  "نشر في 31 ماي 2015 على الساعة 19:50", "2024-02-03 10:00"])
def test_date_lines(line):
    assert is_date_line(fold_text(line))


@pytest.mark.parametrize("line", ["وقع الانفجار يوم الأربعاء 7 مايو في السوق القديم", "رمضان كريم"])
def test_sentences_with_dates_are_not_date_lines(line):
    assert not is_date_line(fold_text(line))


@pytest.mark.parametrize("line", ["شارك الخبر: فيسبوك تويتر واتساب", "Share on Telegram", "طباعة | أرسل"])
def test_share_bars(line):
    assert is_share_bar(fold_text(line)) or is_boilerplate_line(line)


def test_share_words_inside_a_sentence_stay():
    assert not is_boilerplate_line("نشر الوزير على فيسبوك صورة من الاجتماع مع وفد البنك الدولي أمس")


@pytest.mark.parametrize("line", ["اقرأ أيضاً", "إقرأ ايضا:", "الأكثر قراءة", "مواضيع ذات صلة", "شاهد أيضًا"])
def test_list_headings(line):
    assert is_list_heading(fold_text(line))


def test_inline_read_also_paragraph_versus_body_text():
    assert starts_with_list_heading(fold_text("اقرأ أيضاً: الحكومة تعلن موعد الانتخابات"))
    assert not starts_with_list_heading(fold_text("وقرأ الوزير بيانا أمام الصحفيين"))


def test_postclean_drops_heading_with_its_link_titles_and_keeps_text_after():
    paragraphs = ["الفقرة الأولى من الخبر وهي طويلة بما يكفي لتكون نصا حقيقيا.", "اقرأ أيضا",
                  "عنوان مرتبط أول", "عنوان مرتبط ثان", "وتابع الوزير حديثه عن الخطة الجديدة للنقل.",
                  "الفقرة الأولى من الخبر وهي طويلة بما يكفي لتكون نصا حقيقيا."]
    assert postclean(paragraphs) == [paragraphs[0], paragraphs[4]]


@pytest.mark.parametrize("line", [
    "اليوم تبدأ الامتحانات في جميع المدارس",
    "اشترك في المسيرة آلاف المواطنين",
    "تحرير الموصل بات قريبا",
    "آخر الأخبار تشير إلى تقدم المفاوضات",
    "كتب التاريخ فصلا جديدا أمس",
])
def test_short_news_sentences_that_start_like_widgets_stay(line):
    assert not is_boilerplate_line(line)
    assert not starts_with_list_heading(fold_text(line))
    assert postclean([line]) == [line]


@pytest.mark.parametrize("line", ["اشترك في النشرة البريدية", "اشترك الآن مجانا", "كتب: سامي الأحمد",
                                  "بقلم سامي الأحمد", "هيئة التحرير", "الأكثر قراءة: عنوان ما"])
def test_widget_lines(line):
    assert is_boilerplate_line(line) or starts_with_list_heading(fold_text(line))
