"""detect_language: Arabic vs Persian vs Urdu vs Kurdish vs Latin-script languages."""
from __future__ import annotations

import pytest

from pipelines.extract import detect_language

ARABIC = "قال وزير الخارجية إن المحادثات مع الجانب الآخر ما زالت مستمرة وإنها ستستأنف الأسبوع المقبل في العاصمة"


@pytest.mark.parametrize("text,expected", [
    (ARABIC, "ar"),
    # Arabic typed with Persian ی and ک, as some CMSs do: still Arabic.
    (ARABIC.replace("ي", "ی").replace("ك", "ک").replace("في", "فی"), "ar"),
    ("وزیر امور خارجه گفت که مذاکرات با طرف مقابل همچنان ادامه دارد و هفته آینده در پایتخت از سر گرفته می‌شود", "fa"),
    ("پاکستان کے وزیر اعظم نے کہا ہے کہ حکومت عوام کی خدمت کے لیے کام کر رہی ہے اور یہ سلسلہ جاری رہے گا", "ur"),
    ("ئەم هەواڵە دەربارەی کۆبوونەوەی حکومەتە لە شاری هەولێر و پەرلەمانی کوردستان ئەمڕۆ", "ckb"),
    ("د افغانستان د بهرنیو چارو وزیر وویل چې له ګاونډیو هیوادونو سره خبرې اترې روانې دي او ډېر ژر به پای ته ورسېږي", "ps"),
    ("The minister said that the talks with the other side were still going on and would resume next week.", "en"),
    ("Le ministre a déclaré que les discussions avec les autres parties se poursuivent dans la capitale.", "fr"),
])
def test_detects_language(text, expected):
    assert detect_language(text) == expected


def test_html_lang_is_only_a_hint():
    assert detect_language(ARABIC, hint="fa-IR") == "ar"
    assert detect_language("نص", hint="ar-EG") == "ar"
    assert detect_language("", hint=None) is None
    assert detect_language("12345 !!!", hint="not a code") is None
