"""Property tests: arbitrary input never raises anything but ExtractionError."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.extract import ExtractionError, decode_html, extract_article, parse_html

FRAGMENTS = st.sampled_from([
    "<p>", "</p>", "<div class='comments'>", "</div>", "<br>", "<table><tr><td>", "</td></tr></table>",
    "<h1>", "</h1>", "<a href='/x'>", "</a>", "<script type='application/ld+json'>{\"@type\":",
    "</script>", "اقرأ أيضاً:", "عاجل", "شارك", "<meta property='og:title' content='", "'>",
    "الخبر الرئيسي اليوم في المدينة", "<html amp>", "<amp-img>", "<font>", "&nbsp;", "<!--", "-->",
])
SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(st.binary(max_size=2000), st.one_of(st.none(), st.text(max_size=40)))
def test_decode_html_raises_only_extraction_error(body, content_type):
    try:
        text, encoding = decode_html(body, content_type)
    except ExtractionError as err:
        assert err.reason in ("binary_content", "undecodable")
    else:
        assert isinstance(text, str) and isinstance(encoding, str)


@SETTINGS
@given(st.one_of(st.text(max_size=1500), st.lists(FRAGMENTS | st.text(max_size=30), max_size=40).map("".join)))
def test_extract_article_on_arbitrary_strings(html):
    try:
        result = extract_article(parse_html(html), url="https://example.com/a/1")
    except ExtractionError as err:
        assert not err.detail.startswith("extractor failed"), err.detail  # a bug of ours
        return
    assert isinstance(result["text"], str)
    assert result["is_article"] == (result["drop_reason"] is None)


@SETTINGS
@given(st.binary(max_size=1500))
def test_extract_article_on_arbitrary_bytes(body):
    try:
        result = extract_article(body)
    except ExtractionError as err:
        assert err.reason in ("binary_content", "undecodable", "unparsable")
        assert not err.detail.startswith("extractor failed"), err.detail
        return
    assert isinstance(result["paragraphs"], list)
