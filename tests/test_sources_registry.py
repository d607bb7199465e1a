"""The source registry: valid entries load, bad ones name the entry and the field."""
from __future__ import annotations

import pytest
import yaml

from crawler.sources import SourceRegistryError, load_sources, parse_registry, select_sources


def _entry(**overrides):
    entry = {
        "id": "site-a", "name": "موقع أ", "base_url": "https://example.org/",
        "language": "ar", "timezone": "Asia/Damascus",
        "feeds": ["https://example.org/feed/"],
        "sections": [{"url": "https://example.org/syria/", "article_pattern": r"/\d{4}/\d+/"}],
        "xpaths": {"title": "//h1"},
    }
    entry.update(overrides)
    return entry


def test_bundled_registry_is_valid():
    sources = load_sources()
    assert sources, "crawler/sources.yaml should list example sources"
    assert all(s.language and s.timezone for s in sources)


def test_valid_entry_builds_a_source():
    (source,) = parse_registry([_entry(crawl_delay=2)])
    assert source.id == "site-a" and source.crawl_delay == 2.0
    assert source.is_article_url("https://example.org/2015/05/story")
    assert not source.is_article_url("https://example.org/about")


@pytest.mark.parametrize("field,value,needle", [
    ("timezone", "Mars/Olympus", "timezone"),
    ("base_url", "example.org", "base_url"),
    ("language", "Arabic", "language"),
    ("crawl_delay", -1, "crawl_delay"),
    ("feeds", ["ftp://example.org/feed"], "feeds[0]"),
    ("sections", [{"url": "https://example.org/s/", "article_pattern": "(unclosed"}],
     "sections[0].article_pattern"),
    ("xpaths", {"title": "//h1[", }, "xpaths.title"),
    ("xpaths", {"headline": "//h1"}, "xpaths.headline"),
    ("enabled", "yes", "enabled"),
    ("colour", "blue", "colour"),
])
def test_bad_field_is_named(field, value, needle):
    with pytest.raises(SourceRegistryError) as err:
        parse_registry([_entry(**{field: value})])
    message = str(err.value)
    assert "'site-a'" in message and needle in message


def test_missing_required_field_and_duplicates():
    entry = _entry()
    del entry["timezone"]
    with pytest.raises(SourceRegistryError, match="'site-a'.*'timezone'.*required"):
        parse_registry([entry])
    with pytest.raises(SourceRegistryError, match="duplicate id"):
        parse_registry([_entry(), _entry()])
    with pytest.raises(SourceRegistryError, match="at least one of"):
        parse_registry([_entry(feeds=[], sections=[])])


def test_select_enabled_or_named(tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump({"sources": [
        _entry(), _entry(id="site-b", enabled=False)]}, allow_unicode=True), encoding="utf-8")
    sources = load_sources(path)
    assert [s.id for s in select_sources(sources)] == ["site-a"]
    assert [s.id for s in select_sources(sources, "site-b")] == ["site-b"]
    with pytest.raises(SourceRegistryError, match="no source with id"):
        select_sources(sources, "site-z")


def test_unreadable_or_invalid_yaml(tmp_path):
    with pytest.raises(SourceRegistryError, match="cannot read"):
        load_sources(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("sources: [\n", encoding="utf-8")
    with pytest.raises(SourceRegistryError, match="not valid YAML"):
        load_sources(bad)
