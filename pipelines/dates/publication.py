"""The publication (and modified) date of one article page.

Signals in order: JSON-LD ``datePublished``, meta tags, ``<time datetime>`` and
``itemprop=datePublished``, the feed/news-sitemap entry that led to the page, the
visible dateline near the title, the URL. Each value goes through the same reading and
the same checks (a year in 1900-2100, not after the fetch); the first that passes wins.
The document is only read, never changed: extraction runs on the same tree afterwards.
"""
from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, tzinfo
from email.utils import parsedate_to_datetime
from typing import Any

import lxml.html
from lxml import etree

from .dateline import dateline_candidates
from .lexicon import fold, lexicon
from .normalise import normalise_date, parse_reference
from .zones import get_zone

UTC = UTC
FUTURE_TOLERANCE = timedelta(hours=1)
# No news page was published on the web before this: earlier values are placeholders
# («1970-01-01») or dates of the events an article recalls.
EARLIEST_WEB_YEAR = "1991"
_OTHER_REFERENCE = datetime(2001, 6, 15, 12, 0, tzinfo=UTC)  # tells relative from absolute
_EMPTY: dict[str, Any] = {"published": None, "published_utc": None, "published_precision": None,
          "published_source": None, "published_raw": None, "modified": None,
          "modified_utc": None, "published_zone_corrected": False}
_ISO_LIKE_RE = re.compile(r"^\s*\d{4}-\d{1,2}-\d{1,2}")
_RFC822_RE = re.compile(r"^\s*(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{4}\s+\d\d:\d\d")
_URL_DAY_RE = re.compile(r"(?<!\d)((?:19|20)\d\d)[/_-](\d{1,2})[/_-](\d{1,2})(?!\d)")
_URL_COMPACT_RE = re.compile(r"/((?:19|20)\d\d)(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])\d{4,}")
_URL_MONTH_RE = re.compile(r"/((?:19|20)\d\d)/(0?[1-9]|1[0-2])/")


def find_publication_date(doc: Any, *, url: str | None = None, timezone: str | None = None,
                          hints: dict | None = None, fetched_at: datetime | str | None = None,
                          date_xpath: str | None = None) -> dict:
    """Publication and modified dates of an article page (HTML str/bytes or lxml element).

    ``date_xpath`` is a source's XPath override for its dateline (``xpaths["date"]`` in the
    source registry); when it yields a date, that date wins. Returns the record-contract
    dict (all keys present, None when unknown). Never raises.
    """
    try:
        return _find(doc, url, timezone, hints, fetched_at, date_xpath)
    except Exception:  # noqa: BLE001 - a bad page must not stop the crawl
        return dict(_EMPTY)


def _find(doc: Any, url: str | None, tz_name: str | None, hints: dict | None,
          fetched_at: Any, date_xpath: str | None = None) -> dict:
    tree = _as_tree(doc)
    site_tz = get_zone(tz_name) if tz_name else None
    fetched = parse_reference(fetched_at, UTC) if fetched_at else None
    out = dict(_EMPTY)
    modified_raw = None

    def accept(raw: str | None, source: str) -> bool:
        if not raw or not isinstance(raw, str):
            return False
        got = read_value(raw, tz_name, fetched)
        if got is None or _in_future(got, fetched, site_tz) or got["utc"][:4] < EARLIEST_WEB_YEAR:
            return False
        out.update(published=got["local"], published_utc=got["utc"],
                   published_precision=got["precision"], published_source=source,
                   published_raw=raw.strip()[:300])
        return True

    chosen = False
    if tree is not None and date_xpath:
        chosen = any(accept(raw, "dateline") for raw in _xpath_texts(tree, date_xpath))
    if tree is not None:
        ld_pub, ld_mod = _jsonld_dates(tree, url)
        modified_raw = ld_mod
        if not chosen:
            chosen = any(accept(raw, "jsonld") for raw in ld_pub)
        meta_pub, meta_mod = _meta_dates(tree)
        modified_raw = modified_raw or meta_mod
        if not chosen:
            chosen = any(accept(raw, "meta") for raw in meta_pub)
        if not chosen:
            chosen = any(accept(raw, "time_element") for raw in _time_elements(tree))
    if chosen and tree is not None and site_tz is not None \
            and out["published_source"] in ("jsonld", "meta", "time_element"):
        _correct_wrong_zone(out, tree, tz_name, fetched, site_tz)
    if not chosen and hints and hints.get("published"):
        via = str(hints.get("via") or "")
        chosen = accept(str(hints["published"]), "feed" if via in ("rss", "atom") else "sitemap")
    if not chosen and tree is not None:
        chosen = any(accept(raw, "dateline") for raw in dateline_candidates(tree, lexicon()))
    if not chosen and url:
        accept(_url_date(url), "url")
    if modified_raw:
        got = read_value(modified_raw, tz_name, fetched)
        if got is not None and not _in_future(got, fetched, site_tz):
            out.update(modified=got["local"], modified_utc=got["utc"])
    shift = out.pop("_zone_shift", None)
    if shift is not None and out["modified_utc"] and out["modified"] and "T" in out["modified"]:
        # The modified time comes from the same markup, with the same wrong zone.
        value = datetime.fromisoformat(out["modified_utc"].replace("Z", "+00:00")) + shift
        out.update(modified=value.astimezone(site_tz).isoformat(), modified_utc=_z(value))
    if out["modified"] is None and out["published_source"] == "dateline" \
            and any(w in fold(out["published_raw"]) for w in lexicon().update_words):
        # «آخر تحديث: ...» is the only stamp shown: it is the modified date too.
        out.update(modified=out["published"], modified_utc=out["published_utc"])
    return out


# How many dateline candidates are read when checking a machine time's zone.
_ZONE_CHECK_CANDIDATES = 4


def _correct_wrong_zone(out: dict, tree: Any, tz_name: str | None, fetched: datetime | None,
                        site_tz: tzinfo) -> None:
    """A machine time that is the visible local time with the wrong zone.

    Some sites write local time with a ``Z`` (or UTC with the local offset): the
    machine value and the visible dateline then differ by exactly the site's UTC
    offset. The visible local time wins; ``published_zone_corrected`` says so.
    """
    machine = datetime.fromisoformat(out["published_utc"].replace("Z", "+00:00"))
    offset = machine.astimezone(site_tz).utcoffset()
    if out["published_precision"] != "minute" or not offset:
        return
    lx = lexicon()
    # islice: the candidates are found walking the page; stop after the first few.
    for raw in itertools.islice(dateline_candidates(tree, lx), _ZONE_CHECK_CANDIDATES):
        if any(w in fold(raw) for w in lx.update_words):
            continue  # «آخر تحديث» shows another moment
        got = read_value(raw, tz_name, fetched)
        if got is None or got["precision"] != "minute" or _in_future(got, fetched, site_tz):
            continue
        shown = datetime.fromisoformat(got["utc"].replace("Z", "+00:00"))
        if abs(shown - machine) == abs(offset):
            out["_zone_shift"] = shown - machine
            out.update(published=got["local"], published_utc=got["utc"], published_source="dateline",
                       published_raw=raw.strip()[:300], published_zone_corrected=True)
        return  # only the dateline nearest the title is compared


def _as_tree(doc: Any) -> Any:
    if doc is None:
        return None
    if isinstance(doc, (str, bytes)):
        if not doc.strip():
            return None
        try:
            return lxml.html.fromstring(doc)
        except (etree.ParserError, ValueError):
            if isinstance(doc, str):
                # lxml refuses str with an XML encoding declaration: give it bytes.
                try:
                    return lxml.html.fromstring(doc.encode("utf-8"))
                except (etree.ParserError, ValueError):
                    return None
            return None
    if hasattr(doc, "xpath"):
        return doc.getroottree().getroot() if hasattr(doc, "getroottree") else doc
    return None


# ---------------------------------------------------------------- value reading

def read_value(raw: str, tz_name: str | None, fetched: datetime | None) -> dict | None:
    """One date value → {"local", "utc", "precision"}; machine ISO values keep their
    offset but are shown in the site's zone; other text goes through the normaliser."""
    raw = raw.strip()
    site_tz = get_zone(tz_name) if tz_name else None
    if _ISO_LIKE_RE.match(raw):
        got = _read_iso(raw, site_tz)
        if got is not None:
            return got
    if re.fullmatch(r"\d{10}(?:\d{3})?", raw):  # Unix time in a «timestamp» meta tag
        seconds = int(raw[:10])
        value = datetime.fromtimestamp(seconds, UTC)
        if 1995 <= value.year <= 2100:
            value = value.astimezone(site_tz) if site_tz else value
            return {"local": value.isoformat(), "utc": _z(value), "precision": "minute"}
        return None
    if _RFC822_RE.match(raw):  # RSS pubDate: «Sat, 23 Nov 2024 18:15:00 +0200»
        got = _read_rfc822(raw, site_tz)
        if got is not None:
            return got
    zone = tz_name if site_tz else None
    res = normalise_date(raw, reference=fetched, timezone=zone)
    if res is None or res["precision"] in ("year",):
        return None
    if fetched is None and res != normalise_date(raw, reference=_OTHER_REFERENCE, timezone=zone):
        return None  # «منذ 3 ساعات» means nothing without the fetch time
    return {"local": res["datetime"] or res["date"], "utc": res["utc"], "precision": res["precision"]}


def _read_iso(raw: str, site_tz: tzinfo | None) -> dict | None:
    text = raw.strip().replace(" ", "T", 1) if re.match(r"^\d{4}-\d\d-\d\d \d", raw.strip()) else raw.strip()
    text = re.sub(r"(\.\d+)", lambda m: m.group(1)[:7], text)  # fromisoformat: ≤ 6 decimals
    text = re.sub(r"([+-]\d\d)(\d\d)$", r"\1:\2", text)
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    value: datetime | date
    try:
        value = datetime.fromisoformat(text)
        if re.fullmatch(r"\d{4}-\d\d-\d\d", text):
            value = value.date()  # a bare date has no time of day
    except ValueError:
        try:
            value = datetime.fromisoformat(text[:10])
            value = value.date()
        except ValueError:
            return None
    if not isinstance(value, datetime):
        day = value
        if not 1900 <= day.year <= 2100:
            return None
        start = datetime.combine(day, datetime.min.time(), tzinfo=site_tz or UTC)
        return {"local": day.isoformat(), "utc": _z(start), "precision": "day"}
    if not 1900 <= value.year <= 2100:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=site_tz or UTC)
    elif site_tz is not None:
        value = value.astimezone(site_tz)
    value = value.replace(microsecond=0)
    return {"local": value.isoformat(), "utc": _z(value), "precision": "minute"}


def _read_rfc822(raw: str, site_tz: tzinfo | None) -> dict | None:
    try:
        value = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    if value is None or not 1900 <= value.year <= 2100:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=site_tz or UTC)
    elif site_tz is not None:
        value = value.astimezone(site_tz)
    return {"local": value.isoformat(), "utc": _z(value), "precision": "minute"}


def _z(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _in_future(got: dict, fetched: datetime | None, site_tz: tzinfo | None) -> bool:
    if fetched is None:
        return False
    utc = datetime.fromisoformat(got["utc"].replace("Z", "+00:00"))
    if got["precision"] in ("minute", "hour"):
        return utc > fetched + FUTURE_TOLERANCE
    # Day precision: the local day must not start after the fetch (one day of slack when
    # the site's zone is unknown).
    slack = timedelta(0) if site_tz is not None else timedelta(days=1)
    return utc > fetched + slack


# ---------------------------------------------------------------- structured signals

def _jsonld_dates(tree: Any, url: str | None = None) -> tuple[list[str], str | None]:
    """datePublished values, best first, and the matching dateModified.

    Pages also describe other articles in JSON-LD (related lists, ``itemListElement``):
    the object naming this page (by URL or headline) ranks first, then article types,
    then objects outside lists, then document order."""
    from .dateline import title_element

    article_types = set(lexicon().signals["jsonld_article_types"])
    page_key = _url_key(url)
    head = title_element(tree)
    headline = " ".join(" ".join(head.itertext()).split()) if head is not None else ""
    ranked: list[tuple[tuple, str | None, str | None]] = []
    fallback_pub, fallback_mod = [], None
    order = 0
    for script in tree.xpath('//script[contains(translate(@type, "LDJSON", "ldjson"), "ld+json")]'):
        text = script.text or ""
        found_any = False
        for obj, in_list in _walk_json(_loads(text)):
            pub = _first_str(obj.get("datePublished") or obj.get("dateCreated") or obj.get("uploadDate"))
            mod = _first_str(obj.get("dateModified"))
            if pub is None and mod is None:
                continue
            found_any = True
            types = obj.get("@type")
            types = set(types) if isinstance(types, list) else {types}
            names_page = bool(page_key and page_key in {_url_key(u) for u in _obj_urls(obj)}) or bool(
                headline and isinstance(obj.get("headline"), str)
                and " ".join(obj["headline"].split()) == headline)
            rank = (not names_page, not (types & article_types), in_list, order)
            ranked.append((rank, pub, mod))
            order += 1
        if text.strip() and not found_any:
            # Broken JSON-LD is common (trailing commas, raw newlines): read the keys directly.
            m = re.search(r'"datePublished"\s*:\s*"([^"]{8,40})"', text)
            if m:
                fallback_pub.append(m.group(1))
            m = re.search(r'"dateModified"\s*:\s*"([^"]{8,40})"', text)
            if m and fallback_mod is None:
                fallback_mod = m.group(1)
    ranked.sort(key=lambda r: r[0])
    published = [pub for _, pub, _ in ranked if pub] + fallback_pub
    best_with_pub = next((r for r in ranked if r[1]), None)
    modified = best_with_pub[2] if best_with_pub and best_with_pub[2] else next(
        (mod for _, _, mod in ranked if mod), fallback_mod)
    return published, modified


def _obj_urls(obj: dict) -> list[str]:
    urls = []
    for key in ("url", "@id", "mainEntityOfPage"):
        value = obj.get(key)
        if isinstance(value, dict):
            value = value.get("@id") or value.get("url")
        if isinstance(value, str):
            urls.append(value)
    return urls


def _url_key(url: str | None) -> str | None:
    """A URL without scheme, «www.», query, fragment and trailing slash, for matching."""
    if not url or not isinstance(url, str):
        return None
    key = re.sub(r"^[a-z]+://", "", url.strip().lower())
    key = re.sub(r"^(?:www|m|amp)\.", "", key)
    key = re.split(r"[?#]", key)[0].rstrip("/")
    return key.removesuffix("/amp") or None


def _first_str(value: Any) -> str | None:
    """JSON-LD values may be a string, a list of strings or a {"@value": ...} object."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("@value")
    return value if isinstance(value, str) else None


def _loads(text: str) -> Any:
    text = text.strip().removeprefix("<!--").removesuffix("-->").strip()
    if not text:
        return None
    try:
        return json.loads(text, strict=False)
    except RecursionError:  # nested past the interpreter's depth: that block is ignored
        return None
    except ValueError:
        try:
            return json.loads(re.sub(r",\s*([}\]])", r"\1", text), strict=False)
        except (ValueError, RecursionError):
            return None


def _walk_json(node: Any, depth: int = 0, in_list: bool = False) -> Iterator[tuple[dict, bool]]:
    """Every object of a JSON-LD tree, with whether it sits in a list of other items."""
    if depth > 8:
        return
    if isinstance(node, dict):
        yield node, in_list
        for key in ("@graph", "mainEntity", "mainEntityOfPage", "itemListElement", "hasPart", "item"):
            if key in node:
                yield from _walk_json(node[key], depth + 1,
                                      in_list or key in ("itemListElement", "hasPart", "item"))
    elif isinstance(node, list):
        for item in node:
            yield from _walk_json(item, depth + 1, in_list)


def _meta_dates(tree: Any) -> tuple[list[str], str | None]:
    signals = lexicon().signals
    pub_rank = {n: i for i, n in enumerate(signals["meta_published"])}
    mod_rank = {n: i for i, n in enumerate(signals["meta_modified"])}
    pubs: list[tuple[int, str]] = []
    mods: list[tuple[int, str]] = []
    # <meta> tags, and RDFa attributes on any element («<span property="dc:date" content=…>»).
    for meta in tree.xpath("//meta | //*[@property and @content]"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop")
               or meta.get("http-equiv") or "").strip().lower()
        key = key.removeprefix("dc:").replace("dcterms:", "dcterms.") if meta.tag != "meta" else key
        if meta.tag != "meta" and key in ("date", "created", "issued"):
            key = "dc.date"
        content = (meta.get("content") or "").strip()
        if not key or not content:
            continue
        if key in pub_rank:
            pubs.append((pub_rank[key], content))
        elif key in mod_rank:
            mods.append((mod_rank[key], content))
    pubs.sort(key=lambda p: p[0])
    mods.sort(key=lambda p: p[0])
    return [c for _, c in pubs], (mods[0][1] if mods else None)


def _time_elements(tree: Any) -> list[str]:
    """``itemprop=datePublished`` and ``<time>`` values outside related/comment blocks,
    marked publication times first."""
    from .dateline import is_skipped, title_distance, title_element

    title = title_element(tree)
    distance = title_distance(tree, title)
    marked: list[str] = []
    plain: list[tuple[float, str]] = []
    query = '//*[@itemprop="datePublished"][not(self::meta)] | //time | //*[@datetime][not(self::del or self::ins)]'
    for el in tree.xpath(query):
        if is_skipped(el, title, lexicon()):
            continue
        value = (el.get("datetime") or el.get("content") or "").strip()
        if not value:
            value = " ".join(el.itertext()).strip()[:120]
        if not value:
            continue
        hint = " ".join(filter(None, [el.get("itemprop"), el.get("class"), el.get("pubdate")
                                      and "pubdate"])).lower()
        if "publish" in hint or "pubdate" in hint or el.get("pubdate") is not None:
            marked.append(value)
        elif "modif" not in hint and "updat" not in hint:
            plain.append((distance(el), value))
    plain.sort(key=lambda p: p[0])  # the <time> nearest the title, not the first on the page
    return marked + [v for _, v in plain[:3]]


def _xpath_texts(tree: Any, xpath: str) -> list[str]:
    try:
        found = tree.xpath(xpath)
    except (etree.XPathError, TypeError, ValueError):
        return []
    if not isinstance(found, list):
        found = [found]
    texts = []
    for item in found[:5]:
        if isinstance(item, str):
            texts.append(str(item))
        elif hasattr(item, "itertext"):
            texts.append(item.get("datetime") or item.get("content") or " ".join(item.itertext()))
    return [t.strip()[:200] for t in texts if t and t.strip()]


def _url_date(url: str) -> str | None:
    for rx in (_URL_DAY_RE, _URL_COMPACT_RE):
        m = rx.search(url)
        if m:
            y, mo, d = (int(g) for g in m.groups())
            try:
                return datetime(y, mo, d).date().isoformat()
            except ValueError:
                continue
    return None
