"""The fixture sites' ground truth, checked without a server (and against the seeds)."""
from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from fixturesite import catalogue
from fixturesite.build import build_sites
from fixturesite.responses import Response
from pipelines.arabic import text_hash

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"
BASES = {"wp": "http://127.0.0.1:18001", "portal": "http://127.0.0.1:18002",
         "maghreb": "http://127.0.0.1:18003", "gen": "http://127.0.0.1:18004"}
EXPECT_RE = re.compile(
    r"stored|dropped:(not_article|empty_body|video_only|too_short|wrong_language|soft_404|"
    r"challenge_page|binary_content|undecodable|unparsable)|"
    r"fetch_error:(http_404|http_500|redirect_loop|timeout|robots)")
KEYS = {"url", "site", "kind", "title", "published", "modified", "timezone", "paragraphs",
        "must_not_contain", "expect", "canonical_url", "duplicate_of", "notes"}


@pytest.fixture(scope="module")
def cat():
    return catalogue(BASES, generated=40)


@pytest.fixture(scope="module")
def pages():
    """Served bytes of the static pages, by URL (no server needed)."""
    out = {}
    for site in build_sites({k: v for k, v in BASES.items() if k != "gen"}).values():
        for path, route in site.routes.items():
            if isinstance(route, Response):
                out[site.url(path)] = route
    return out


def seed_lines(name: str) -> list[str]:
    path = SEEDS / f"{name}.txt"
    if not path.exists():
        pytest.skip("../shared/seeds is not present")
    return [" ".join(ln.split()) for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]


def test_entries_are_well_formed(cat):
    for e in cat:
        assert KEYS <= set(e), e["url"]
        assert e["site"] in ("wp", "portal", "maghreb", "gen")
        assert e["kind"] in ("article", "not_article", "bad")
        assert EXPECT_RE.fullmatch(e["expect"]), e["expect"]
        ZoneInfo(e["timezone"])
        if e["kind"] == "article":
            assert e["title"] and e["paragraphs"] and e["published"]
            dt = datetime.fromisoformat(e["published"])
            assert dt.utcoffset() == dt.replace(tzinfo=None).replace(
                tzinfo=ZoneInfo(e["timezone"])).utcoffset()
        if e["duplicate_of"]:
            assert e["duplicate_of"] in {x["url"] for x in cat}
    assert len({e["url"] for e in cat}) == len(cat)


def test_at_least_thirty_stored_articles_across_three_sites(cat):
    originals = [e for e in cat if e["site"] != "gen" and e["expect"] == "stored"
                 and e["canonical_url"] == e["url"]]
    per_site = Counter(e["site"] for e in originals)
    assert len(originals) >= 30
    assert all(per_site[s] >= 8 for s in ("wp", "portal", "maghreb")), per_site


def test_jisr_al_shughur_seed(cat):
    lines = seed_lines("seed_jisr_al_shughur")
    e = next(x for x in cat if x["title"] == lines[0] and x["url"] == x["canonical_url"])
    assert e["site"] == "wp" and e["expect"] == "stored"
    published = datetime.fromisoformat(e["published"])
    assert published.date() == date(2015, 5, 22) and published.strftime("%A") == "Friday"
    assert e["paragraphs"] == lines[1:-3]
    assert e["paragraphs"][-1] == "المصدر: وكالات"
    for widget in lines[-3:]:   # comment prompt, comments heading, Jetpack likes line
        assert widget in e["must_not_contain"]


def test_mastouma_seed(cat, pages):
    lines = seed_lines("seed_mastouma")
    e = next(x for x in cat if x["title"] == lines[2] and x["url"] == x["canonical_url"])
    assert e["site"] == "portal" and e["published"].startswith("2015-05-19T")
    assert e["paragraphs"] == lines[3:]
    assert lines[0] in e["must_not_contain"] and lines[1] in e["must_not_contain"]
    body = pages[e["url"]].body.decode("utf-8")
    # No structured date: only the visible dateline, while the clock sits in the header.
    assert "published_time" not in body and "datePublished" not in body and "<time" not in body
    assert "الثلاثاء، 19 مايو 2015 - 03:12 م" in body
    assert body.index(lines[0]) < body.index("19 مايو 2015")


def test_clock_on_every_portal_page(pages):
    lines = seed_lines("seed_mastouma")
    portal = [r for u, r in pages.items() if u.startswith(BASES["portal"])
              and r.content_type and r.content_type.startswith("text/html") and r.status == 200
              and r.body.startswith(b"<!DOCTYPE")]      # not the binary trap
    assert len(portal) > 10
    for r in portal:
        codec = "utf-8" if "UTF-8" in r.content_type.upper() else "iso8859_6"   # the legacy page
        text = r.body.decode(codec)
        assert lines[0] in text and lines[1] in text


def test_seed_texts_match_the_user_files():
    import yaml
    if not SEEDS.exists():
        pytest.skip("../shared/seeds is not present")
    kept = yaml.safe_load((ROOT / "fixturesite" / "content" / "seeds.yaml").read_text(encoding="utf-8"))
    for name, seed in kept["seeds"].items():
        assert seed["text"] == (SEEDS / f"{name}.txt").read_text(encoding="utf-8")


def test_boilerplate_is_never_article_text(cat):
    for e in cat:
        own = [e["title"] or ""] + e["paragraphs"]
        for s in e["must_not_contain"]:
            assert not any(s in t for t in own), (e["url"], s)
    wp_articles = [e for e in cat if e["site"] == "wp" and e["kind"] == "article" and "AMP" not in e["notes"]]
    assert all("أترك تعليقا" in e["must_not_contain"] for e in wp_articles if "no charset" not in e["notes"])


def test_republished_copy_differs_only_in_tatweel_and_vowels(cat):
    copies = [e for e in cat if e["duplicate_of"] and e["canonical_url"] == e["url"]]
    assert copies
    by_url = {e["url"]: e for e in cat}
    for c in copies:
        orig = by_url[c["duplicate_of"]]
        assert c["site"] != orig["site"]
        assert c["paragraphs"] != orig["paragraphs"]
        assert "\u0640" in "".join(c["paragraphs"]) and re.search("[\u064b-\u0652]", "".join(c["paragraphs"]))
        assert text_hash("\n".join(c["paragraphs"])) == text_hash("\n".join(orig["paragraphs"]))


def test_date_traps_are_present(cat, pages):
    html = {u: r.body.decode("utf-8", "replace") for u, r in pages.items()
            if r.content_type and "UTF-8" in r.content_type}
    articles = [html[e["url"]] for e in cat if e["kind"] == "article" and e["url"] in html]
    assert any(re.search("[٠-٩]{4}", h) for h in articles)        # Eastern Arabic digits
    assert any("\u200f" in h for h in articles)                   # bidi marks in a dateline
    assert any("آخر تحديث:" in h for h in articles)
    assert any(re.search(r"\d+ شعبان 1436 هـ الموافق", h) for h in articles)   # Hijri first
    assert any("\u0640" in "".join(e["paragraphs"]) for e in cat)  # tatweel in text
    maghreb = " ".join(h for u, h in html.items() if u.startswith(BASES["maghreb"]))
    assert "نشر في 25 أفريل 2015 على الساعة 14:30" in maghreb
    for month in ("جانفي", "فيفري", "أفريل", "ماي", "جوان", "جويلية"):
        assert month in maghreb
    structured = Counter()
    for e in cat:
        if e["site"] == "maghreb" and e["kind"] == "article" and e["url"] in html:
            h = html[e["url"]]
            structured["jsonld" if '"datePublished"' in h else "meta" if "published_time" in h else "none"] += 1
    assert structured["jsonld"] and structured["meta"] and structured["none"]


def test_modified_dates(cat):
    modified = [e for e in cat if e["modified"]]
    assert modified
    for e in modified:
        assert datetime.fromisoformat(e["modified"]) > datetime.fromisoformat(e["published"])


def test_catalogue_is_deterministic(cat):
    assert catalogue(BASES, generated=40) == cat


def test_generated_entries(cat):
    gen = [e for e in cat if e["site"] == "gen"]
    assert len(gen) == 40
    assert len({e["title"] for e in gen}) > 30
    for e in gen:
        assert 3 <= len(e["paragraphs"]) <= 8
    assert catalogue({"gen": BASES["gen"]}, generated=0) == []
