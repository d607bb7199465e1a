"""decode_html and parse_html on encodings and broken input (own test pages only)."""
from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from pipelines.extract import ExtractionError, decode_html, extract_article, parse_html

PAGES = Path(__file__).parent / "pages"
ARABIC = "وصل وفد الوساطة إلى المدينة المحاصرة بعد ظهر الثلاثاء"


def _page(text: str, head: str = "") -> str:
    return f"<html><head>{head}<title>خبر</title></head><body><p>{text}</p></body></html>"


def test_legacy_cp1256_without_any_charset_is_detected():
    body = (PAGES / "legacy_table_cp1256.html").read_bytes()
    text, encoding = decode_html(body, "text/html")
    assert encoding == "windows-1256"
    assert "وصل وفد الوساطة المؤلف من شيوخ العشائر" in text


def test_legacy_iso_8859_6_without_any_charset_is_detected():
    body = (PAGES / "legacy_iso8859_6.html").read_bytes()
    text, encoding = decode_html(body, "text/html")
    assert encoding == "iso-8859-6"
    assert "وصل وفد الوساطة المؤلف من شيوخ العشائر" in text
    assert text == decode_html((PAGES / "legacy_table_cp1256.html").read_bytes())[0]


def test_http_charset_wins_when_bytes_agree():
    body = _page(ARABIC).encode("utf-8")
    assert decode_html(body, "text/html; charset=UTF-8") == (_page(ARABIC), "utf-8")


@pytest.mark.parametrize("content_type,head", [
    ("text/html; charset=ISO-8859-1", ""),                       # header lies
    ("text/html", '<meta charset="utf-8">'),                      # meta lies
    ("text/html; charset=utf-8", '<meta charset="utf-8">'),       # both lie
    ("text/html", '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">'),
])
def test_mislabelled_cp1256_is_decoded_as_arabic(content_type, head):
    body = _page(ARABIC * 3, head).encode("cp1256")
    text, encoding = decode_html(body, content_type)
    assert encoding == "windows-1256"
    assert ARABIC in text


def test_utf8_bytes_under_a_legacy_label_are_utf8():
    body = _page(ARABIC, '<meta charset="windows-1256">').encode("utf-8")
    text, encoding = decode_html(body, "text/html; charset=windows-1256")
    assert encoding == "utf-8" and ARABIC in text


def test_iso_8859_6_declared_in_meta():
    body = _page(ARABIC, '<meta charset="ISO-8859-6">').encode("iso8859-6")
    text, encoding = decode_html(body)
    assert encoding == "iso-8859-6" and ARABIC in text


def test_bom_decides_over_missing_declaration():
    body = codecs.BOM_UTF16_LE + _page(ARABIC).encode("utf-16-le")
    text, encoding = decode_html(body)
    assert encoding == "utf-16-le" and ARABIC in text
    text, encoding = decode_html(codecs.BOM_UTF8 + _page(ARABIC).encode("utf-8"), "text/html; charset=cp1256")
    assert encoding == "utf-8" and text.startswith("<html>")


def test_latin_page_declared_latin_stays_latin():
    body = ('<html><head><meta charset="iso-8859-1"><title>Menu</title></head><body><p>'
            + "Café crème à la carte, déjà vu " * 5 + "</p></body></html>").encode("cp1252")
    text, encoding = decode_html(body)
    assert encoding == "windows-1252" and "Café crème" in text


def test_utf8_with_a_few_broken_bytes_is_still_utf8():
    body = _page(ARABIC * 20).encode("utf-8")
    body = body[:200] + b"\xff" + body[200:]
    text, encoding = decode_html(body)
    assert encoding == "utf-8" and ARABIC in text


@pytest.mark.parametrize("body", [
    b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4,
    b"PK\x03\x04" + b"\x00" * 300,
    b"%PDF-1.7\n" + b"\x01\x02" * 100,
    b"<html>" + b"\x00" * 500 + b"</html>",
])
def test_binary_bodies_raise_binary_content(body):
    with pytest.raises(ExtractionError) as info:
        decode_html(body, "text/html")
    assert info.value.reason == "binary_content"
    with pytest.raises(ExtractionError):
        extract_article(body)


def test_garbage_after_bom_is_undecodable():
    with pytest.raises(ExtractionError) as info:
        decode_html(codecs.BOM_UTF16_LE + b"\x00\xd8\x01\xdc\x00\xd8" * 50)
    assert info.value.reason == "undecodable"
    assert info.value.detail


def test_empty_body_decodes_to_empty_text_and_an_empty_page():
    assert decode_html(b"") == ("", "utf-8")
    result = extract_article(parse_html(""))
    assert result["is_article"] is False and result["drop_reason"] == "empty_body"


def test_truncated_page_parses_and_keeps_its_first_paragraphs():
    body = (PAGES / "truncated.html").read_bytes()
    text, encoding = decode_html(body)
    assert encoding == "utf-8"
    result = extract_article(parse_html(text))
    assert "محطة تحلية مياه البحر الجديدة" in result["text"]
    assert result["title"] == "افتتاح محطة تحلية جديدة في مدينة الواحة الساحلية"


@pytest.mark.parametrize("html", [
    "<p>نص بلا وسوم html ولا body",
    "<?xml version='1.0' encoding='utf-8'?><html><body><p>نص</p></body></html>",
    "<html><body><div><p>مفتوح <b>بلا <i>إغلاق",
    "نص عادي\x00 مع محارف \x0b تحكم \ud800 وبدائل",
    "</html></body></div>",
    "<<<>>>",
])
def test_malformed_html_parses(html):
    root = parse_html(html)
    assert root.tag == "html"
    assert root.find("body") is not None or len(root) >= 0


def test_ten_megabyte_page_parses():
    para = "<p>" + "كلمة " * 200 + "</p>\n"
    html = "<html><body>" + para * (10_000_000 // len(para.encode())) + "</body></html>"
    root = parse_html(html)
    assert len(root.find("body")) > 5000


def test_short_cp1256_page_without_charset():
    body = "<html><title>خبر</title><p>نص قصير</p></html>".encode("cp1256")
    text, encoding = decode_html(body)
    assert encoding == "windows-1256" and "نص قصير" in text
