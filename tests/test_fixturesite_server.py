"""The fixture sites over real HTTP: every catalogue page answers as its `expect` says."""
from __future__ import annotations

import html
import re
import socket
import time
import urllib.error
import urllib.request
import urllib.robotparser
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import lxml.html
import pytest

from fixturesite import FixtureServer, catalogue
from pipelines.arabic import persian_ratio

GEN = 25
# Where each site's templates put the article's paragraphs.
BODY_PARAGRAPHS = {"wp": '//div[@class="entry-content"]/p', "portal": '//div[@id="articleBody"]/p',
                   "maghreb": '//div[@property="content:encoded"]/p'}
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_plain = urllib.request.build_opener(_NoRedirect)


def fetch(url: str, headers: dict | None = None, timeout: float = 5.0, follow: bool = False):
    """(status, headers, body) without raising on HTTP errors."""
    req = urllib.request.Request(url, headers=headers or {})
    opener = urllib.request.build_opener() if follow else _plain
    try:
        with opener.open(req, timeout=timeout) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def visible_text(body: str) -> str:
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S | re.I)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


@pytest.fixture(scope="module")
def srv():
    with FixtureServer(generated=GEN, hang_seconds=1.5) as s:
        yield s


@pytest.fixture(scope="module")
def cat(srv):
    return srv.catalogue()


def by_note(cat, word):
    found = [e for e in cat if word in e["notes"]]
    assert found, word
    return found[0]


def test_base_urls_and_sources(srv):
    assert set(srv.base_urls) == {"wp", "portal", "maghreb", "gen"}
    ports = {urlsplit(u).port for u in srv.base_urls.values()}
    assert len(ports) == 4
    ids = [s["id"] for s in srv.sources()]
    assert ids == ["fx-wp", "fx-portal", "fx-maghreb", "fx-gen"]
    for s in srv.sources():
        assert re.fullmatch(r"[a-z0-9-]+", s["id"]) and s["allow_private"] is True
        assert s["base_url"] == srv.base_urls[s["id"][3:]]
        assert s["feeds"] and s["sitemaps"] and s["sections"]


def test_registry_file_loads_with_crawler_validator(srv, tmp_path):
    sources_mod = pytest.importorskip("crawler.sources")
    path = srv.write_sources(tmp_path / "fixture_sources.yaml")
    loaded = sources_mod.load_sources(path)
    assert [s.id for s in loaded] == ["fx-wp", "fx-portal", "fx-maghreb", "fx-gen"]


def test_catalogue_without_server_matches(srv, cat):
    offline = catalogue(srv.base_urls, generated=GEN)
    assert offline == cat


def test_feeds_and_sitemaps_parse(srv, cat):
    stored = {e["url"] for e in cat if e["expect"] == "stored"}
    for source in srv.sources():
        for feed in source["feeds"]:
            status, headers, body = fetch(feed)
            assert status == 200 and "xml" in headers["Content-Type"]
            root = ET.fromstring(body)
            links = [l.text for l in root.iter("link") if l.text and "/" in l.text[8:]]
            links += [l.get("href") for l in root.iter("{http://www.w3.org/2005/Atom}link")
                      if l.get("rel") == "alternate"]
            assert len(links) >= 3, feed
            assert all(l.split("?")[0] in stored or l in stored for l in links if l != source["base_url"] + "/")
        for sm in source["sitemaps"]:
            status, _, body = fetch(sm)
            assert status == 200
            root = ET.fromstring(body)
            assert root.tag in (SM + "urlset", SM + "sitemapindex")


def test_news_sitemap_keeps_publication_fields(srv, cat):
    status, _, body = fetch(srv.base_urls["wp"] + "/news-sitemap.xml")
    root = ET.fromstring(body)
    ns = {"s": SM[1:-1], "n": "http://www.google.com/schemas/sitemap-news/0.9"}
    rows = root.findall("s:url", ns)
    assert rows
    by_url = {e["url"]: e for e in cat}
    for row in rows:
        loc = row.find("s:loc", ns).text
        assert row.find("n:news/n:publication/n:language", ns).text == "ar"
        assert row.find("n:news/n:publication/n:name", ns).text
        assert row.find("n:news/n:publication_date", ns).text == by_url[loc]["published"]
        assert row.find("n:news/n:title", ns).text == by_url[loc]["title"]


def _decode(headers, body: bytes, e: dict) -> str:
    if "1256" in e["notes"] or "windows-1256" in e["notes"]:
        return body.decode("cp1256")
    if "ISO-8859-6" in e["notes"]:
        return body.decode("iso8859_6")
    return body.decode("utf-8")


def check_stored(e: dict) -> None:
    status, headers, body = fetch(e["url"], follow=True)
    if status == 500 and "500" in e["notes"]:
        status, headers, body = fetch(e["url"], follow=True)
    assert status == 200, e["url"]
    text = visible_text(_decode(headers, body, e))
    assert e["title"] in text
    for p in e["paragraphs"]:
        assert p in text, (e["url"], p[:40])
    for s in e["must_not_contain"]:
        assert s in text, (e["url"], s)   # the trap really is on the page


def test_every_catalogue_url_answers_as_expected(srv, cat):
    seen = set()
    for e in cat:
        assert e["url"] not in seen
        seen.add(e["url"])
        exp = e["expect"]
        if exp == "stored":
            check_stored(e)
        elif exp == "dropped:not_article":
            status, headers, body = fetch(e["url"])
            assert status == 200 and body.startswith(b"<!DOCTYPE"), e["url"]
        elif exp == "fetch_error:http_404":
            assert fetch(e["url"])[0] == 404
        elif exp == "fetch_error:redirect_loop":
            status, headers, _ = fetch(e["url"])
            assert status in (301, 302)
            status2, headers2, _ = fetch(headers["Location"])
            assert status2 in (301, 302) and headers2["Location"] == e["url"]
        elif exp == "fetch_error:timeout":
            with pytest.raises((socket.timeout, TimeoutError, urllib.error.URLError)):
                fetch(e["url"], timeout=0.3)
        elif exp == "fetch_error:robots":
            rp = urllib.robotparser.RobotFileParser()
            rp.parse(fetch(srv.base_urls[e["site"]] + "/robots.txt")[2].decode().splitlines())
            assert not rp.can_fetch("MarsadBot", e["url"])
            assert fetch(e["url"])[0] == 200     # served anyway: only robots.txt protects it
        elif exp == "dropped:challenge_page":
            status, headers, body = fetch(e["url"])
            assert status in (403, 503) and b"Just a moment..." in body
            assert "تحقق من أنك إنسان" in body.decode()
        elif exp == "dropped:binary_content":
            status, headers, body = fetch(e["url"])
            assert status == 200 and headers["Content-Type"].startswith("text/html")
            assert body[:8] == b"\x89PNG\r\n\x1a\n" or body[:4] == b"PK\x03\x04"
        elif exp == "dropped:empty_body":
            status, headers, body = fetch(e["url"])
            assert status == 200
            if body:
                tree = lxml.html.fromstring(body)
                assert tree.xpath("//h1") and not tree.xpath(BODY_PARAGRAPHS[e["site"]])
        elif exp == "dropped:soft_404":
            status, _, body = fetch(e["url"])
            assert status == 200 and "الصفحة غير موجودة" in body.decode()
        elif exp == "dropped:video_only":
            status, _, body = fetch(e["url"])
            tree = lxml.html.fromstring(body)
            assert status == 200 and tree.xpath("//iframe")
            story = tree.xpath("//iframe/ancestor::*[.//h1][1]")[0]
            assert len(" ".join(story.xpath(".//p//text()")).strip()) < 40
        elif exp == "dropped:wrong_language":
            status, _, body = fetch(e["url"])
            assert status == 200 and persian_ratio(visible_text(body.decode())) > 0.01
            assert e["paragraphs"] and all(persian_ratio(p) > 0.05 for p in e["paragraphs"])
            assert all(p in visible_text(body.decode()) for p in e["paragraphs"])
        else:
            pytest.fail(f"unexpected expect {exp!r}")


def test_fail_once_then_ok():
    with FixtureServer() as s:
        e = next(x for x in s.catalogue() if "500" in x["notes"])
        assert fetch(e["url"])[0] == 500
        assert fetch(e["url"])[0] == 200
        assert fetch(e["url"])[0] == 200
    with FixtureServer() as s2:     # state is per server instance
        e = next(x for x in s2.catalogue() if "500" in x["notes"])
        assert fetch(e["url"])[0] == 500


def test_conditional_requests(cat):
    e = next(x for x in cat if x["expect"] == "stored" and x["site"] == "wp" and not x["duplicate_of"]
             and "500" not in x["notes"])
    status, headers, body = fetch(e["url"])
    assert status == 200 and headers["ETag"] and headers["Last-Modified"]
    assert fetch(e["url"], {"If-None-Match": headers["ETag"]})[0] == 304
    assert fetch(e["url"], {"If-None-Match": '"other"'})[0] == 200
    assert fetch(e["url"], {"If-Modified-Since": headers["Last-Modified"]})[0] == 304
    assert fetch(e["url"], {"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"})[0] == 200


def test_windows_1256_page_names_no_charset(cat):
    e = by_note(cat, "windows-1256 bytes; no charset")
    status, headers, body = fetch(e["url"])
    assert status == 200
    assert "charset" not in headers["Content-Type"].lower()
    assert b"charset" not in body.lower()
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    assert e["paragraphs"][0] in body.decode("cp1256")


def test_iso_8859_6_and_mislabelled_pages(cat):
    e = by_note(cat, "ISO-8859-6 bytes")
    _, headers, body = fetch(e["url"])
    assert "charset" not in headers["Content-Type"].lower() and b"charset" not in body.lower()
    assert e["paragraphs"][0] in body.decode("iso8859_6")
    e = by_note(cat, "mislabelled") if any("mislabelled" in x["notes"] for x in cat) else by_note(cat, "ISO-8859-1")
    _, headers, body = fetch(e["url"])
    assert "iso-8859-1" in headers["Content-Type"].lower()
    assert re.search(rb"charset=utf-8", body, re.I)
    assert e["paragraphs"][0] in body.decode("cp1256")


def test_truncated_page_is_cut_mid_tag(cat):
    e = by_note(cat, "cut in the middle")
    _, _, body = fetch(e["url"])
    text = body.decode("utf-8")
    assert not text.rstrip().endswith(">") and "</html>" not in text
    assert all(p in visible_text(text) for p in e["paragraphs"])


def test_huge_page(cat):
    e = by_note(cat, "10 MB")
    status, headers, body = fetch(e["url"], timeout=20)
    assert status == 200 and len(body) >= 10 * 1024 * 1024
    assert int(headers["Content-Length"]) == len(body)


def test_variants_point_to_the_main_url(cat):
    variants = [e for e in cat if e["duplicate_of"] and e["canonical_url"] != e["url"]]
    notes = " ".join(e["notes"] for e in variants)
    for word in ("AMP", "alias", "tracking", "301", "302"):
        assert word in notes
    for e in variants:
        status, headers, body = fetch(e["url"])
        if status in (301, 302):
            assert headers["Location"] == e["canonical_url"]
        else:
            assert status == 200
            assert f'rel="canonical" href="{e["canonical_url"]}"'.encode() in body


def test_discoverable_from_sections_and_sitemaps(srv, cat):
    found: set[str] = set()
    for source in srv.sources()[:3]:
        queue = [s["url"] for s in source["sections"]]
        patterns = [re.compile(s["article_pattern"]) for s in source["sections"]]
        section_paths = [urlsplit(s["url"]).path.rstrip("/") for s in source["sections"]]
        seen = set()
        while queue:
            url = queue.pop()
            if url in seen:
                continue
            seen.add(url)
            body = fetch(url)[2].decode()
            for href in re.findall(r'href="([^"]+)"', body):
                href = html.unescape(href)
                if any(p.search(href) for p in patterns):
                    found.add(href)
                elif href.startswith(source["base_url"]) and "page" in href and any(
                        urlsplit(href).path.startswith(p) for p in section_paths):
                    queue.append(href)      # pagination of a section
        sitemaps = list(source["sitemaps"])
        while sitemaps:
            root = ET.fromstring(fetch(sitemaps.pop())[2])
            locs = [l.text for l in root.iter(SM + "loc")]
            if root.tag == SM + "sitemapindex":
                sitemaps += locs
            else:
                found.update(locs)
    must = [e["url"] for e in cat if e["site"] != "gen" and
            (e["kind"] == "bad" or (e["kind"] == "article" and e["duplicate_of"] is None))]
    missing = [u for u in must if u not in found]
    assert not missing


def test_generated_site(srv):
    base = srv.base_urls["gen"]
    root = ET.fromstring(fetch(base + "/sitemap.xml")[2])
    assert root.tag == SM + "sitemapindex"
    urls = []
    for loc in root.iter(SM + "loc"):
        page = ET.fromstring(fetch(loc.text)[2])
        locs = [l.text for l in page.iter(SM + "loc")]
        assert 0 < len(locs) <= 1000
        urls += locs
    assert len(urls) == GEN == len(set(urls))
    sizes = []
    for u in urls:
        status, headers, body = fetch(u)
        assert status == 200 and b"application/ld+json" in body and b'"datePublished"' in body
        n = body.count(b"<p>")
        assert 3 <= n <= 8
        sizes.append(len(visible_text(body.decode()).encode()))
    assert 1500 <= sum(sizes) / len(sizes) <= 6000
    assert fetch(urls[3])[2] == fetch(urls[3])[2]
    beyond = urls[0].rsplit("/", 1)[0] + f"/{GEN + 5}.html"
    assert fetch(beyond)[0] == 404


def test_unknown_path_is_404(srv):
    for base in srv.base_urls.values():
        assert fetch(base + "/no/such/page/")[0] == 404


def test_head_request(cat):
    e = next(x for x in cat if x["expect"] == "stored" and x["site"] == "portal")
    req = urllib.request.Request(e["url"], method="HEAD")
    with urllib.request.urlopen(req, timeout=5) as r:
        assert r.status == 200 and int(r.headers["Content-Length"]) > 1000 and r.read() == b""


def test_stop_ends_keepalive_connections_and_hangs():
    import http.client
    import threading

    s = FixtureServer(hang_seconds=300).start()
    base = urlsplit(s.base_urls["wp"])
    conn = http.client.HTTPConnection(base.hostname, base.port, timeout=5)
    conn.request("GET", "/robots.txt")
    assert b"Disallow: /private/" in conn.getresponse().read()
    hang = next(e for e in s.catalogue() if e["expect"] == "fetch_error:timeout")
    answers: list = []
    waiter = threading.Thread(target=lambda: answers.append(fetch(hang["url"], timeout=60)[0]))
    waiter.start()
    portal = s._servers["portal"]
    for _ in range(100):             # wait until the request is in the server's hands
        if portal._conns:
            break
        time.sleep(0.05)
    s.stop()
    waiter.join(timeout=30)
    assert answers == [200]          # the hanging page was released by stop(), not by its 300 s
    with pytest.raises((http.client.HTTPException, OSError)):
        conn.request("GET", "/robots.txt")
        conn.getresponse().read()
    with pytest.raises(OSError):
        socket.create_connection((base.hostname, base.port), timeout=2).close()


def test_server_headers_follow_the_cms(srv, cat):
    wp = next(e for e in cat if e["site"] == "wp" and e["expect"] == "stored")
    assert fetch(wp["url"])[1]["Server"] == "Apache"
    challenge = next(e for e in cat if e["expect"] == "dropped:challenge_page")
    headers = fetch(challenge["url"])[1]
    assert headers.get_all("Server") == ["cloudflare"] and headers["cf-mitigated"] == "challenge"
