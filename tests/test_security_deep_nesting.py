"""An article wrapped in thousands of nested elements keeps its text.

libxml2 stops at a nesting depth of 2048 and loses the rest of the document; below that
a deep chain makes the stages' per-element text work quadratic. Pages nested past
``FLAT_DEPTH`` are flattened before they are parsed (pipelines/extract/nesting.py).
Generated pages through the real ``process_page``.
"""
from __future__ import annotations

import lxml.etree
import lxml.html
import pytest
from hostile_site import PARAGRAPH

from pipelines.extract import parse_html
from pipelines.extract.nesting import FLAT_DEPTH, MAX_DEPTH, flatten_deep, too_deep
from pipelines.process import process_page
from pipelines.records import Article, Page

TITLE = "خبر عن الأمطار في المدينة"
_HUGE = lxml.html.HTMLParser(huge_tree=True)


def _page(depth: int, *, tag: str = "div", headline: bool = True) -> Page:
    body = "".join(f"<p>{PARAGRAPH} {i}</p>" for i in range(5))
    h1 = f"<h1>{TITLE}</h1>" if headline else ""
    html = (f"<html lang='ar'><head><meta charset='utf-8'><title>{TITLE}</title></head><body>"
            + f"<{tag} class='wrap'>" * depth + f"<article>{h1}{body}</article>" + f"</{tag}>" * depth
            + "<footer>جميع الحقوق محفوظة</footer></body></html>")
    return Page(url="https://news.example/a/1.html", body=html.encode(), status=200,
                content_type="text/html; charset=utf-8", source="deep")


def _depth(root: lxml.etree._Element) -> int:
    return max(len(list(el.iterancestors())) for el in root.iter())


@pytest.mark.parametrize("depth,tag", [(3000, "div"), (20000, "div"), (5000, "span"),
                                       (3000, "section")])
def test_an_article_under_thousands_of_wrappers_keeps_its_text(depth, tag):
    shallow = process_page(_page(3), with_events=False)
    deep = process_page(_page(depth, tag=tag), with_events=False)
    assert isinstance(shallow, Article)
    assert isinstance(deep, Article), deep
    assert deep.title == shallow.title == TITLE
    assert deep.paragraphs == shallow.paragraphs and len(deep.paragraphs) == 5


def test_a_deep_page_without_a_headline_is_an_article():
    # under libxml2's limit, but deep enough that the title search walked 2,000 chains
    deep = process_page(_page(2000, headline=False), with_events=False)
    assert isinstance(deep, Article), deep
    assert deep.paragraphs == process_page(_page(3, headline=False), with_events=False).paragraphs


def test_the_parsed_tree_is_flattened_past_flat_depth_only():
    assert not too_deep(parse_html(_page(FLAT_DEPTH - 10).body.decode()))
    kept = parse_html(_page(FLAT_DEPTH - 10).body.decode())
    assert len(kept.xpath("//div[@class='wrap']")) == FLAT_DEPTH - 10  # left as it is
    flat = parse_html(_page(3000).body.decode())
    assert _depth(flat) <= FLAT_DEPTH + 3
    assert len(flat.xpath("//p")) == 5 and flat.xpath("string(//h1)") == TITLE
    assert flat.xpath("string(//footer)") == "جميع الحقوق محفوظة"


def test_flattening_keeps_every_word_and_the_structure():
    inner = "".join(f"<li>بند {i}<b>مهم</b></li>" for i in range(3))
    markup = ("<html><body>" + "<div>نص " * 400 + "<!-- <div><div> --><script>var s = '<div>';</script>"
              + f"<ul>{inner}</ul><p>أول<p>ثان" + "</div>" * 400 + "</span></body></html>")
    flat = flatten_deep(markup)
    assert flat != markup
    before = lxml.html.document_fromstring(markup, parser=_HUGE)
    after = lxml.html.document_fromstring(flat, parser=_HUGE)
    assert after.xpath("string(//body)").split() == before.xpath("string(//body)").split()
    # past FLAT_DEPTH the list stays, its inline <b> is left out (its words are not)
    assert [li.text for li in after.iter("li")] == ["بند 0مهم", "بند 1مهم", "بند 2مهم"]
    assert [p.text.strip() for p in after.iter("p")] == ["أول", "ثان"]
    assert "var s = '<div>';" in flat and "<!-- <div><div> -->" in flat
    assert _depth(after) <= FLAT_DEPTH + 5


def test_structure_is_kept_only_up_to_max_depth():
    markup = "<html><body>" + "<blockquote>اقتباس " * (MAX_DEPTH + 500) + "</body></html>"
    after = lxml.html.document_fromstring(flatten_deep(markup), parser=_HUGE)
    assert len(after.xpath("//blockquote")) < MAX_DEPTH
    assert after.xpath("string(//body)").split().count("اقتباس") == MAX_DEPTH + 500


def test_a_shallow_page_is_returned_unchanged():
    markup = "<html><body><div><p>نص</p></div></body></html>"
    assert flatten_deep(markup) is markup
