"""The records that pass between the stages: ``Page`` in, ``Article`` or ``Drop`` out.

A fetched page (from the spider, a WARC file, a stored raw page or an HTML file) becomes
a ``Page``; ``pipelines.process.process_page`` turns it into an ``Article`` or a ``Drop``.
The store takes either one. Every ``Drop`` names its ``DropReason``; ``Drop.code`` is the
string stored in the ``drops`` collection and counted as ``marsad/dropped/<code>``.

Naming: in these records ``*_local`` is a wall-clock ISO 8601 string in the source's
time zone and ``*_utc`` the same moment in UTC (``...Z``). In the stored document,
``published`` is the UTC moment (a BSON date) and ``published_local`` the local string.

``to_dict`` gives the flat form the spool writes and the store's document builder reads;
the frozen records themselves are what crosses the process pool (they pickle).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

# Longest detail kept on a drop: enough for a short traceback, never a whole page.
MAX_DETAIL = 1000


class DropReason(StrEnum):
    """Why a page did not become an article. The value is the stored ``reason``, except
    ``HTTP_STATUS``, stored as ``http_<status>`` (``http_404``)."""

    # Extraction: the page was fetched but is not an article (pipelines.extract).
    NOT_ARTICLE = "not_article"
    EMPTY_BODY = "empty_body"
    VIDEO_ONLY = "video_only"
    TOO_SHORT = "too_short"
    WRONG_LANGUAGE = "wrong_language"
    SOFT_404 = "soft_404"
    CHALLENGE_PAGE = "challenge_page"
    BINARY_CONTENT = "binary_content"
    UNDECODABLE = "undecodable"
    UNPARSABLE = "unparsable"
    # Fetching: the page (or listing) could not be fetched as asked (crawler).
    HTTP_STATUS = "http_status"
    TIMEOUT = "timeout"
    DNS_ERROR = "dns_error"
    CONNECTION_REFUSED = "connection_refused"
    ROBOTS = "robots"
    REDIRECT_LOOP = "redirect_loop"
    PRIVATE_ADDRESS = "private_address"
    IGNORED = "ignored"
    TOO_LARGE = "too_large"
    FETCH_ERROR = "fetch_error"
    EMPTY_LISTING = "empty_listing"
    UNSUPPORTED_SCHEME = "unsupported_scheme"
    BAD_URL = "bad_url"
    SPIDER_ERROR = "spider_error"
    LISTING_TOO_SLOW = "listing_too_slow"
    ENTITY_EXPANSION = "entity_expansion"
    # Marsad itself: a bug on one page, or a record the database would not take.
    INTERNAL_ERROR = "internal_error"
    TOO_SLOW = "too_slow"
    STORAGE_ERROR = "storage_error"
    # A stored drop whose reason was missing or unreadable.
    UNKNOWN = "unknown"

    @classmethod
    def from_code(cls, code: object) -> tuple[DropReason, int | None]:
        """The reason and HTTP status of a stored code (``http_404`` -> HTTP_STATUS, 404)."""
        text = str(code or "")
        if text.startswith("http_") and text[5:].isdigit():
            return cls.HTTP_STATUS, int(text[5:])
        try:
            return cls(text), None
        except ValueError:
            return cls.UNKNOWN, None


def as_int(value: object) -> int | None:
    """An HTTP status as an int; None when missing or not a number."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str, bytes)):
        return None
    try:
        return int(value)
    except (ValueError, OverflowError):
        return None


def _text(value: object) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def _body(value: object) -> bytes:
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass")
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    return b""


@dataclass(frozen=True)
class Page:
    """One fetched response, as every source of pages hands it to ``process_page``."""

    url: str | None
    body: bytes = field(default=b"", repr=False)
    final_url: str | None = None
    status: int | None = None
    content_type: str | None = None
    source: str | None = None
    fetched_at: str | None = None  # ISO 8601, UTC
    timezone: str | None = None  # the source's IANA zone
    language: str = "ar"  # the language the source publishes in
    xpaths: Mapping[str, str] | None = None  # the source's overrides: title, body, date
    hints: Mapping[str, Any] = field(default_factory=dict)  # what feeds/sitemaps said
    # The source's own hosts (registry: base URL, feeds, sitemaps, sections, start URLs):
    # a declared canonical URL on one of them is kept, like one on the fetched site.
    source_hosts: tuple[str, ...] = ()

    @property
    def location(self) -> str | None:
        """Where the body came from: the URL after redirects, else the requested one."""
        return self.final_url or self.url

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Page:
        """A page from the flat dict form; odd values are coerced, never rejected."""
        xpaths = data.get("xpaths")
        hints = data.get("hints")
        hosts = data.get("source_hosts")
        return cls(
            url=_text(data.get("url")),
            body=_body(data.get("body")),
            final_url=_text(data.get("final_url")),
            status=as_int(data.get("status")),
            content_type=_text(data.get("content_type")),
            source=_text(data.get("source")),
            fetched_at=_text(data.get("fetched_at")),
            timezone=_text(data.get("timezone")),
            language=_text(data.get("language")) or "ar",
            xpaths=dict(xpaths) if isinstance(xpaths, Mapping) else None,
            hints=dict(hints) if isinstance(hints, Mapping) else {},
            source_hosts=tuple(str(h) for h in hosts) if isinstance(hosts, (list, tuple)) else (),
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Drop:
    """A page (or listing) that ends without an article, and why."""

    url: str | None
    reason: DropReason
    detail: str = ""
    source: str | None = None
    status: int | None = None
    fetched_at: str | None = None
    # What the extraction saw on a page it judged not an article (for whoever reads the drop).
    title: str | None = None
    language: str | None = None

    def __post_init__(self) -> None:
        # The one place a drop's detail is cut, whoever builds it.
        if len(self.detail) > MAX_DETAIL:
            object.__setattr__(self, "detail", self.detail[:MAX_DETAIL])

    @classmethod
    def for_page(cls, page: Page, reason: DropReason, detail: str = "") -> Drop:
        return cls(url=page.location, reason=reason, detail=detail, source=page.source,
                   status=page.status, fetched_at=page.fetched_at)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Drop:
        """A drop from its flat dict form (a spooled record, ``reason`` as its code)."""
        reason, status = DropReason.from_code(data.get("reason"))
        detail = data.get("detail")
        return cls(url=_text(data.get("url")), reason=reason,
                   detail="" if detail is None else str(detail), source=_text(data.get("source")),
                   status=as_int(data.get("status")) if status is None else status,
                   fetched_at=_text(data.get("fetched_at")), title=_text(data.get("title")),
                   language=_text(data.get("language")))

    @property
    def code(self) -> str:
        """The stored reason: the enum value, or ``http_<status>`` for an HTTP status."""
        if self.reason is DropReason.HTTP_STATUS and self.status is not None:
            return f"http_{self.status}"
        return self.reason.value

    def to_dict(self) -> dict[str, Any]:
        return {"url": self.url, "source": self.source, "reason": self.code, "detail": self.detail,
                "status": self.status, "fetched_at": self.fetched_at, "title": self.title,
                "language": self.language}


@dataclass(frozen=True)
class Article:
    """A page kept as an article: what the fetch, the extraction, the dates and the
    events stages found (the stored document is built from it: README, "Stored documents")."""

    # The fetch (copied from the Page).
    url: str | None
    final_url: str | None = None
    status: int | None = None
    content_type: str | None = None
    source: str | None = None
    fetched_at: str | None = None
    timezone: str | None = None
    hints: Mapping[str, Any] = field(default_factory=dict)
    raw_html: bytes = field(default=b"", repr=False)
    encoding: str | None = None
    # Extraction (pipelines.extract.extract_article).
    title: str | None = None
    text: str = ""
    paragraphs: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    language: str | None = None  # detected, not the source's
    canonical_url: str | None = None
    sitename: str | None = None
    categories: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    image: str | None = None
    description: str | None = None
    quality: float = 0.0
    extractor_version: str | None = None
    captions: tuple[str, ...] = ()  # image captions, kept out of ``text``
    classifier: str | None = None  # the article/listing verdict and the signals behind it
    # What the stages changed or ignored on the page, kept with the store's own flags in
    # the document's ``sanitised`` (canonical_ignored, title_truncated, mixed_encoding, ...).
    flags: tuple[str, ...] = ()
    # Dates (pipelines.dates.find_publication_date).
    published_local: str | None = None
    published_utc: str | None = None
    published_precision: str | None = None
    published_source: str | None = None
    published_raw: str | None = None
    modified_local: str | None = None
    modified_utc: str | None = None
    # True when a machine-readable time written in the wrong zone yielded to the dateline.
    published_zone_corrected: bool = False
    # Events (pipelines.events.extract_events): None when the stage did not run.
    events: tuple[Mapping[str, Any], ...] | None = None
    # Candidates the extractor judged not to be events (planned, negated, recalled, ...),
    # each with its factuality decision and cue: kept for audit, never exported as events.
    event_mentions: tuple[Mapping[str, Any], ...] = ()
    events_error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The flat form: tuples as lists, everything else as it is."""
        out: dict[str, Any] = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if isinstance(value, tuple):
                value = [dict(v) if isinstance(v, Mapping) else v for v in value]
            elif isinstance(value, Mapping):
                value = dict(value)
            out[name] = value
        return out


def _strings(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, (list, tuple)):
        return tuple(v for v in value if isinstance(v, str))
    return ()


def _quality(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0.0


def _encoding_flags(encoding: str | None) -> tuple[str, ...]:
    # Two charsets joined by "+" (pipelines.extract.decode.MIXED_ENCODING): the body mixed
    # them and was decoded part by part.
    return ("mixed_encoding",) if encoding and "+" in encoding else ()


def build_article(page: Page, extraction: Mapping[str, Any], dates: Mapping[str, Any], *,
                  encoding: str | None) -> Article:
    """The article record from a page and what the extraction and dates stages returned
    (their dict contracts: README, "Record contract")."""
    return Article(
        url=page.url, final_url=page.final_url, status=page.status, content_type=page.content_type,
        source=page.source, fetched_at=page.fetched_at, timezone=page.timezone, hints=page.hints,
        raw_html=page.body, encoding=encoding,
        title=_text(extraction.get("title")),
        text=_text(extraction.get("text")) or "",
        paragraphs=_strings(extraction.get("paragraphs")),
        authors=_strings(extraction.get("authors")),
        language=_text(extraction.get("language")),
        canonical_url=_text(extraction.get("canonical_url")),
        sitename=_text(extraction.get("sitename")),
        categories=_strings(extraction.get("categories")),
        tags=_strings(extraction.get("tags")),
        image=_text(extraction.get("image")),
        description=_text(extraction.get("description")),
        quality=_quality(extraction.get("quality")),
        extractor_version=_text(extraction.get("extractor_version")),
        captions=_strings(extraction.get("captions")),
        classifier=_text(extraction.get("classifier")),
        flags=_strings(extraction.get("flags")) + _encoding_flags(encoding),
        published_local=_text(dates.get("published")),
        published_utc=_text(dates.get("published_utc")),
        published_precision=_text(dates.get("published_precision")),
        published_source=_text(dates.get("published_source")),
        published_raw=_text(dates.get("published_raw")),
        modified_local=_text(dates.get("modified")),
        modified_utc=_text(dates.get("modified_utc")),
        published_zone_corrected=bool(dates.get("published_zone_corrected")),
    )


Record = Article | Drop
