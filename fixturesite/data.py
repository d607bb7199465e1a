"""Load the fixture sites' data files (content/*.yaml) into plain objects.

Everything a page shows and everything the catalogue promises comes from these files,
so the ground truth and the served pages cannot drift apart.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

CONTENT_DIR = Path(__file__).with_name("content")
TEMPLATE_DIR = Path(__file__).with_name("templates")
SITE_KEYS = ("wp", "portal", "maghreb")


class FixtureDataError(ValueError):
    """A content file is inconsistent (names the file and the entry)."""


@dataclass
class Article:
    site: str
    index: int
    slug: str
    section: str
    title: str
    paragraphs: list[str]
    published: datetime          # aware, in the site's time zone
    modified: datetime | None = None
    author: str | None = None
    tags: list[str] = field(default_factory=list)
    quirk: str | None = None      # see quirks.ARTICLE_QUIRKS
    date_markup: list[str] | None = None   # which structured dates the page carries
    digits: str = "ascii"         # "eastern": the visible dateline uses Eastern Arabic digits
    bidi: bool = False            # visible dateline wrapped in RLM marks, as some CMSs do
    hijri: bool = False           # visible dateline gives the Hijri date first
    variants: list[str] = field(default_factory=list)   # amp, alias, tracking, redirect301, redirect302
    republish_of: str | None = None   # "site/slug" of the original
    read_also: dict[int, str] = field(default_factory=dict)  # paragraph index -> slug linked inline
    truncate_after: int | None = None
    seed: str | None = None
    notes: str = ""


@dataclass
class Page:
    """A page that is not a normal article: listing stubs, faults, traps."""
    site: str
    slug: str
    behaviour: str                # see quirks.PAGE_BEHAVIOURS
    section: str
    title: str | None
    date: datetime
    paragraphs: list[str] = field(default_factory=list)
    notes: str = ""


@dataclass
class SiteData:
    key: str
    source_id: str
    name: str
    tagline: str
    timezone: str
    sections: dict[str, str]      # slug -> visible name
    chrome: dict[str, Any]        # boilerplate strings of the site's templates
    articles: list[Article]
    pages: list[Page]
    per_page: int = 5

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def _load_yaml(name: str) -> Any:
    with open(CONTENT_DIR / name, encoding="utf-8") as fh:
        return yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def _local(value: Any, tz: ZoneInfo, where: str) -> datetime:
    if isinstance(value, datetime):
        naive = value.replace(tzinfo=None)
    else:
        try:
            naive = datetime.fromisoformat(str(value))
        except ValueError as exc:
            raise FixtureDataError(f"{where}: bad date {value!r}") from exc
    return naive.replace(tzinfo=tz)


@lru_cache(maxsize=None)
def calendar() -> dict[str, Any]:
    return _load_yaml("calendar.yaml")


@lru_cache(maxsize=None)
def site_data(key: str) -> SiteData:
    raw = _load_yaml(f"{key}.yaml")
    site = raw["site"]
    tz = ZoneInfo(site["timezone"])
    articles = []
    for i, a in enumerate(raw.get("articles") or []):
        where = f"content/{key}.yaml article #{i} ({a.get('slug')})"
        paragraphs = list(a.get("paragraphs") or [])
        title = a.get("title")
        if a.get("seed"):
            title, paragraphs = seed_article(a["seed"])
        if not title and not a.get("republish_of"):
            raise FixtureDataError(f"{where}: no title")
        if a["section"] not in site["sections"]:
            raise FixtureDataError(f"{where}: unknown section {a['section']!r}")
        articles.append(Article(
            site=key, index=i, slug=a["slug"], section=a["section"], title=title or "",
            paragraphs=paragraphs,
            published=_local(a["published"], tz, where),
            modified=_local(a["modified"], tz, where) if a.get("modified") else None,
            author=a.get("author"), tags=list(a.get("tags") or []), quirk=a.get("quirk"),
            date_markup=a.get("date_markup"), digits=a.get("digits", "ascii"),
            bidi=bool(a.get("bidi")), hijri=bool(a.get("hijri")), variants=list(a.get("variants") or []),
            republish_of=a.get("republish_of"),
            read_also={int(k): v for k, v in (a.get("read_also") or {}).items()},
            truncate_after=a.get("truncate_after"), seed=a.get("seed"),
            notes=a.get("notes", ""),
        ))
    pages = []
    for i, p in enumerate(raw.get("pages") or []):
        where = f"content/{key}.yaml page #{i} ({p.get('slug')})"
        pages.append(Page(
            site=key, slug=p["slug"], behaviour=p["behaviour"], section=p["section"],
            title=p.get("title"), date=_local(p["date"], tz, where),
            paragraphs=list(p.get("paragraphs") or []), notes=p.get("notes", ""),
        ))
    return SiteData(
        key=key, source_id=site["source_id"], name=site["name"], tagline=site.get("tagline", ""),
        timezone=site["timezone"], sections=dict(site["sections"]), chrome=raw.get("chrome") or {},
        articles=articles, pages=pages, per_page=int(site.get("per_page", 5)),
    )


@lru_cache(maxsize=None)
def seed_article(name: str) -> tuple[str, list[str]]:
    """Title and body paragraphs of a user-supplied seed text kept in content/seeds.yaml.

    The seeds are stored as the user gave them; which lines are site chrome (clock,
    comment and likes widgets) is declared there too, so those lines are not body text.
    """
    seeds = _load_yaml("seeds.yaml")["seeds"]
    if name not in seeds:
        raise FixtureDataError(f"content/seeds.yaml: no seed {name!r}")
    seed = seeds[name]
    lines = [ln.strip() for ln in seed["text"].splitlines()]
    lines = [ln for ln in lines if ln]
    head, tail = int(seed.get("chrome_head", 0)), int(seed.get("chrome_tail", 0))
    title = lines[head]
    body = lines[head + 1: len(lines) - tail if tail else None]
    return title, body


@lru_cache(maxsize=None)
def seed_chrome(name: str) -> tuple[list[str], list[str]]:
    """The seed's leading and trailing chrome lines (e.g. the portal clock, WP widgets)."""
    seed = _load_yaml("seeds.yaml")["seeds"][name]
    lines = [ln.strip() for ln in seed["text"].splitlines() if ln.strip()]
    head, tail = int(seed.get("chrome_head", 0)), int(seed.get("chrome_tail", 0))
    return lines[:head], (lines[len(lines) - tail:] if tail else [])


@lru_cache(maxsize=None)
def seed_raw(name: str) -> str:
    return _load_yaml("seeds.yaml")["seeds"][name]["text"]


@lru_cache(maxsize=None)
def legacy_chrome() -> dict[str, str]:
    return _load_yaml("legacy.yaml")


@lru_cache(maxsize=None)
def gen_words() -> dict[str, Any]:
    return _load_yaml("gen_words.yaml")


def all_sites() -> dict[str, SiteData]:
    return {k: site_data(k) for k in SITE_KEYS}
