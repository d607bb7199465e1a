"""canonical_url / same_site: the storage key and the site boundary."""
from __future__ import annotations

from urllib.parse import unquote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.urls import canonical_url, same_site


def test_scheme_host_case_default_port_and_fragment():
    assert canonical_url("HTTPS://News.Example.COM:443/Path/X#comments") == "https://news.example.com/Path/X"
    assert canonical_url("http://example.com:80/a") == "http://example.com/a"
    assert canonical_url("http://example.com:8080/a") == "http://example.com:8080/a"
    assert canonical_url("https://example.com") == "https://example.com/"


@pytest.mark.parametrize("variant", [
    "https://example.com/news/2015/05/19/story/?utm_source=facebook&utm_medium=social",
    "https://www.example.com/news/2015/05/19/story/?fbclid=IwAR0abc",
    "https://m.example.com/news/2015/05/19/story/?gclid=x&mc_cid=1&mc_eid=2",
    "https://amp.example.com/news/2015/05/19/story/amp/",
    "https://example.com/news/2015/05/19/story/amp/?_ga=2.1&ref=twitter",
    "https://example.com/news/2015/05/19/story/?amp=1&ocid=msn&igshid=abc&at_medium=custom7",
    "https://example.com/news/2015/05/19/story/?amp",
    "https://example.com/news/2015/05/19/story/index.html",
    "https://example.com/news/2015/05/19/story/index.php#respond",
    "https://example.com/amp/news/2015/05/19/story/",
])
def test_variants_fold_to_one_key(variant):
    assert canonical_url(variant) == "https://example.com/news/2015/05/19/story/"


def test_amp_suffixes_and_output_type():
    assert canonical_url("https://example.com/news/123.amp") == "https://example.com/news/123"
    assert canonical_url("https://example.com/news/123.amp.html") == "https://example.com/news/123.html"
    assert canonical_url("https://example.com/news/123/amp") == "https://example.com/news/123"
    assert canonical_url("https://example.com/a?id=5&outputType=amp") == "https://example.com/a?id=5"
    # outputType with another value selects another rendering we do not fold.
    assert canonical_url("https://example.com/a?outputType=print") == "https://example.com/a?outputType=print"


def test_content_parameters_are_kept_and_sorted():
    assert (canonical_url("https://example.com/article.php?NewsID=77&cat=3&utm_campaign=x")
            == "https://example.com/article.php?NewsID=77&cat=3")
    assert canonical_url("https://example.com/a?b=2&a=1") == canonical_url("https://example.com/a?a=1&b=2")
    assert canonical_url("https://example.com/view?id=1") != canonical_url("https://example.com/view?id=2")


def test_trailing_slash_kept_as_served():
    assert canonical_url("https://example.com/a/") == "https://example.com/a/"
    assert canonical_url("https://example.com/a") == "https://example.com/a"


def test_arabic_slug_raw_and_encoded_give_one_key():
    raw = "https://example.com/أخبار/سوريا-جسر-الشغور/"
    lower_hex = "https://example.com/%d8%a3%d8%ae%d8%a8%d8%a7%d8%b1/" + "سوريا-جسر-الشغور/"
    key = canonical_url(raw)
    assert key == canonical_url(lower_hex)
    assert key.isascii()
    assert unquote(key) == "https://example.com/أخبار/سوريا-جسر-الشغور/"


def test_percent_escapes_normalised_but_reserved_ones_kept():
    # %7E is '~' (unreserved: decoded); %2F is an escaped '/' inside a segment (kept).
    assert canonical_url("https://example.com/a%7eb/c%2fd") == "https://example.com/a~b/c%2Fd"
    assert canonical_url("https://example.com/a b") == "https://example.com/a%20b"
    assert canonical_url("https://example.com/100%") == "https://example.com/100%25"


def test_arabic_query_values_encoded_consistently():
    a = canonical_url("https://example.com/search?q=حلب")
    b = canonical_url("https://example.com/search?q=%D8%AD%D9%84%D8%A8")
    assert a == b == "https://example.com/search?q=%D8%AD%D9%84%D8%A8"


def test_host_prefix_not_folded_into_a_bare_suffix():
    assert canonical_url("https://www.com/a") == "https://www.com/a"
    assert canonical_url("https://m.example.com/") == "https://example.com/"


def test_internationalised_host_to_punycode():
    assert canonical_url("https://مثال.مصر/خبر").startswith("https://xn--")


def test_session_path_parameter_and_credentials_dropped():
    assert canonical_url("https://user:pw@example.com/a;jsessionid=ABC123") == "https://example.com/a"


@pytest.mark.parametrize("text", ["", "   ", "not a url", "mailto:a@b.c", "ftp://example.com/x",
                                  "javascript:alert(1)", "http://", "https://[::1"])
def test_non_urls_come_back_stripped(text):
    assert canonical_url(f"  {text}\n") == text.strip()


def test_never_raises_on_non_strings():
    assert canonical_url(None) == ""
    assert canonical_url(42) == "42"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_canonical_url_total_and_idempotent(tail):
    url = canonical_url("https://www.example.com/" + tail)
    assert isinstance(url, str)
    assert canonical_url(url) == url


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_canonical_url_never_raises_on_any_text(text):
    assert isinstance(canonical_url(text), str)


def test_same_site():
    assert same_site("https://www.example.com/a", "https://example.com/")
    assert same_site("http://m.example.com/a", "https://example.com/")
    assert same_site("https://sport.example.com/a", "https://www.example.com/")
    assert not same_site("https://example.org/a", "https://example.com/")
    assert not same_site("https://notexample.com/a", "https://example.com/")
    assert not same_site("https://a.blogspot.com/x", "https://b.blogspot.com/")
    assert not same_site("mailto:x@example.com", "https://example.com/")
    assert not same_site(None, "https://example.com/")


def test_dot_segments_resolved():
    assert canonical_url("https://example.com/a/./b/../c") == "https://example.com/a/c"
    assert canonical_url("https://example.com/../../a") == "https://example.com/a"
    assert canonical_url("https://example.com/a/b/..") == "https://example.com/a/"


def test_html_escaped_query_separators():
    assert (canonical_url("https://example.com/news.php?id=9&amp;cat=2&amp;utm_source=rss")
            == "https://example.com/news.php?cat=2&id=9")


segment = st.text(alphabet=st.sampled_from(list("abcXYZ019-_.~%+ أخبارسوريةحلب/")), max_size=12)
param = st.tuples(st.sampled_from(["id", "p", "utm_source", "fbclid", "amp", "cat", "ref", "q", "UTM_Medium"]),
                  st.text(alphabet=st.sampled_from(list("ab1%2é ح=")), max_size=6))


@settings(max_examples=300, deadline=None)
@given(host=st.sampled_from(["www.example.com", "m.example.com", "EXAMPLE.com", "amp.example.com:443"]),
       segments=st.lists(segment, max_size=4), params=st.lists(param, max_size=5),
       fragment=st.text(max_size=5))
def test_structured_urls_fold_consistently(host, segments, params, fragment):
    query = "&".join(f"{k}={v}" for k, v in params)
    url = f"https://{host}/" + "/".join(segments) + (f"?{query}" if query else "") + (f"#{fragment}" if fragment else "")
    key = canonical_url(url)
    assert key.startswith("https://example.com/")
    assert canonical_url(key) == key
    assert "#" not in key and key.isascii()
    names = [pair.split("=", 1)[0].lower() for pair in key.partition("?")[2].split("&") if pair]
    assert not {"utm_source", "utm_medium", "fbclid", "amp", "ref"} & set(names)
    pairs = [p for p in key.partition("?")[2].split("&") if p]
    assert pairs == sorted(pairs, key=lambda kv: (kv.partition("=")[0], kv.partition("=")[2]))
