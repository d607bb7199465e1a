"""The source registry: one YAML entry per news site, validated on load.

A bad entry must stop a crawl before it starts, with a message that names the entry
and the field, so the registry is checked as a whole here rather than failing later
inside a spider callback.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from lxml import etree

from crawler.schedule_spec import ScheduleError, parse_schedule

DEFAULT_REGISTRY = Path(__file__).with_name("sources.yaml")

_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_LANG_RE = re.compile(r"^[a-z]{2,3}$")
_XPATH_KEYS = {"title", "body", "date"}
_KNOWN_KEYS = {
    "id", "name", "enabled", "base_url", "language", "timezone", "feeds", "sitemaps",
    "sections", "crawl_delay", "xpaths", "allow_private", "schedule", "notes", "start_urls",
    "max_articles", "source_scale",
}


class SourceRegistryError(ValueError):
    """A registry entry is invalid; the message names the entry and the field."""


@dataclass(frozen=True)
class Section:
    url: str
    article_pattern: re.Pattern[str]


@dataclass(frozen=True)
class Source:
    id: str
    name: str
    base_url: str
    language: str
    timezone: str
    enabled: bool = True
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    sections: tuple[Section, ...] = ()
    start_urls: tuple[str, ...] = ()
    crawl_delay: float = 1.0
    xpaths: dict[str, str] = field(default_factory=dict)
    allow_private: bool = False
    schedule: str | None = None
    max_articles: int | None = None
    # ACLED's source scale of the publication (Local, Subnational, National, Regional,
    # International, New media, Other, or two joined by '-'): exported as `source_scale`.
    source_scale: str | None = None

    @property
    def host(self) -> str:
        return urlparse(self.base_url).hostname or ""

    @cached_property
    def own_hosts(self) -> tuple[str, ...]:
        """The source's own hosts, lower-case and sorted: those of its base URL, feeds,
        sitemaps, start URLs and sections. ``allow_private`` allows only these, and a
        page may declare its canonical URL on any of them."""
        found = set()
        for url in (self.base_url, *self.feeds, *self.sitemaps, *self.start_urls,
                    *(s.url for s in self.sections)):
            try:
                found.add((urlsplit(url).hostname or "").lower())
            except ValueError:
                continue
        return tuple(sorted(found - {""}))

    def is_article_url(self, url: str) -> bool:
        """True when a section's article pattern matches the URL."""
        return any(s.article_pattern.search(url) for s in self.sections)


def _fail(entry: str, field_name: str, why: str) -> SourceRegistryError:
    return SourceRegistryError(f"source registry: entry '{entry}', field '{field_name}': {why}")


def _url(entry: str, field_name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise _fail(entry, field_name, f"expected a URL string, got {type(value).__name__}")
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise _fail(entry, field_name, f"not an absolute http(s) URL: {value!r}")
    return value


def _url_list(entry: str, field_name: str, value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise _fail(entry, field_name, "expected a list of URLs")
    return tuple(_url(entry, f"{field_name}[{i}]", v) for i, v in enumerate(value))


def _sections(entry: str, value: Any) -> tuple[Section, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise _fail(entry, "sections", "expected a list of {url, article_pattern}")
    out = []
    for i, sec in enumerate(value):
        name = f"sections[{i}]"
        if not isinstance(sec, dict) or "url" not in sec or "article_pattern" not in sec:
            raise _fail(entry, name, "each section needs 'url' and 'article_pattern'")
        try:
            pattern = re.compile(sec["article_pattern"])
        except (re.error, TypeError) as exc:
            raise _fail(entry, f"{name}.article_pattern", f"not a valid regular expression: {exc}") from exc
        out.append(Section(_url(entry, f"{name}.url", sec["url"]), pattern))
    return tuple(out)


def _xpaths(entry: str, value: Any) -> dict[str, str]:
    if not value:
        return {}
    if not isinstance(value, dict):
        raise _fail(entry, "xpaths", "expected a mapping of title/body/date to XPath")
    for key, expr in value.items():
        if key not in _XPATH_KEYS:
            raise _fail(entry, f"xpaths.{key}", f"unknown key; use one of {sorted(_XPATH_KEYS)}")
        try:
            etree.XPath(expr)
        except (etree.XPathSyntaxError, TypeError) as exc:
            raise _fail(entry, f"xpaths.{key}", f"invalid XPath {expr!r}: {exc}") from exc
    return dict(value)


def parse_source(raw: Any, position: int) -> Source:
    """Validate one registry entry and build a Source."""
    if not isinstance(raw, dict):
        raise _fail(f"#{position}", "(entry)", "each entry must be a mapping")
    entry = str(raw.get("id") or f"#{position}")
    unknown = set(raw) - _KNOWN_KEYS
    if unknown:
        raise _fail(entry, sorted(unknown)[0], f"unknown field; known fields: {sorted(_KNOWN_KEYS)}")
    for required in ("id", "name", "base_url", "language", "timezone"):
        if raw.get(required) in (None, ""):
            raise _fail(entry, required, "is required")
    if not isinstance(raw["id"], str) or not _ID_RE.match(raw["id"]):
        raise _fail(entry, "id", "use lower-case letters, digits and '-'")
    if not isinstance(raw["language"], str) or not _LANG_RE.match(raw["language"]):
        raise _fail(entry, "language", f"expected an ISO 639 code such as 'ar', got {raw['language']!r}")
    try:
        ZoneInfo(str(raw["timezone"]))
    except (ZoneInfoNotFoundError, ValueError):
        raise _fail(entry, "timezone", f"not an IANA time zone: {raw['timezone']!r}") from None
    delay = raw.get("crawl_delay", 1.0)
    if not isinstance(delay, (int, float)) or isinstance(delay, bool) or delay < 0:
        raise _fail(entry, "crawl_delay", "expected a number of seconds >= 0")
    for flag in ("enabled", "allow_private"):
        if flag in raw and not isinstance(raw[flag], bool):
            raise _fail(entry, flag, "expected true or false")
    max_articles = raw.get("max_articles")
    if max_articles is not None and (not isinstance(max_articles, int) or max_articles < 1):
        raise _fail(entry, "max_articles", "expected a positive integer")
    source_scale = raw.get("source_scale")
    if source_scale is not None and (not isinstance(source_scale, str) or not source_scale.strip()):
        raise _fail(entry, "source_scale", "expected a scale such as 'National' or 'Subnational-National'")
    schedule = raw.get("schedule")
    if schedule is not None:
        try:
            schedule = parse_schedule(schedule).text
        except ScheduleError as exc:
            raise _fail(entry, "schedule", str(exc)) from exc
    source = Source(
        id=raw["id"],
        name=str(raw["name"]),
        base_url=_url(entry, "base_url", raw["base_url"]),
        language=raw["language"],
        timezone=str(raw["timezone"]),
        enabled=raw.get("enabled", True),
        feeds=_url_list(entry, "feeds", raw.get("feeds")),
        sitemaps=_url_list(entry, "sitemaps", raw.get("sitemaps")),
        sections=_sections(entry, raw.get("sections")),
        start_urls=_url_list(entry, "start_urls", raw.get("start_urls")),
        crawl_delay=float(delay),
        xpaths=_xpaths(entry, raw.get("xpaths")),
        allow_private=raw.get("allow_private", False),
        schedule=schedule,
        max_articles=max_articles,
        source_scale=source_scale.strip() if source_scale else None,
    )
    if not (source.feeds or source.sitemaps or source.sections or source.start_urls):
        raise _fail(entry, "feeds", "a source needs at least one of feeds, sitemaps, sections, start_urls")
    return source


def parse_registry(data: Any) -> list[Source]:
    """Validate a whole registry (the parsed YAML document)."""
    if isinstance(data, dict) and "sources" in data:
        data = data["sources"]
    if not isinstance(data, list):
        raise SourceRegistryError("source registry: expected a list of sources (or a 'sources:' key)")
    sources = [parse_source(raw, i) for i, raw in enumerate(data)]
    seen: set[str] = set()
    for s in sources:
        if s.id in seen:
            raise _fail(s.id, "id", "duplicate id")
        seen.add(s.id)
    return sources


def load_sources(path: str | Path | None = None) -> list[Source]:
    """Load and validate a registry file (default: crawler/sources.yaml)."""
    path = Path(path or DEFAULT_REGISTRY)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SourceRegistryError(f"source registry: cannot read {path}: {exc}") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SourceRegistryError(f"source registry: {path} is not valid YAML: {exc}") from exc
    return parse_registry(data)


def select_sources(sources: list[Source], source_id: str | None = None) -> list[Source]:
    """The sources one crawl covers: every enabled one, or the one named (enabled or not)."""
    if source_id:
        wanted = {s.strip() for s in source_id.split(",") if s.strip()}
        chosen = [s for s in sources if s.id in wanted]
        missing = wanted - {s.id for s in chosen}
        if missing:
            raise SourceRegistryError(
                f"source registry: no source with id {sorted(missing)}; known: {[s.id for s in sources]}")
        return chosen
    return [s for s in sources if s.enabled]
