"""The workbench's HTTP server: a JSON API over the archive and the static page.

Standard library only (``http.server``), bound to 127.0.0.1 by default. Safety:
- every crawled string reaches the page as JSON data and is put into the DOM as text by
  app.js, never as HTML; a Content-Security-Policy allows scripts, styles, data and images
  from this server only (plus the optional tile host's images), so an injected
  ``<script>`` or ``onerror=`` could not run even if it reached the markup;
- the write endpoint (reviews) wants a JSON body, the per-server token the page reads
  from ``/api/meta`` in an ``X-Marsad-Token`` header, and no foreign ``Origin`` or
  ``Sec-Fetch-Site: cross-site``; a cross-site form or fetch has none of these;
- the ``Host`` header must name this server (no DNS rebinding).
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
import mimetypes
import re
import secrets
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from pipelines.export import (
    ARTICLE_FORMATS,
    FORMATS,
    EventFilter,
    export,
    incident_sources,
    publications,
    site_names,
)
from pipelines.incidents import INCIDENTS, incident_document, pair_score, report_from_event
from pipelines.search import search_articles
from workbench.basemap import BaseMap
from workbench.index import EventIndex
from workbench.reviews import EVENT_TYPES, ReviewError, add_review, reviews_of

STATIC = Path(__file__).parent / "static"
EXPORT_TYPES = {
    "acled-csv": ("text/csv", "csv"),
    "jsonl": ("application/x-ndjson", "jsonl"),
    "geojson": ("application/geo+json", "geojson"),
    "articles-jsonl": ("application/x-ndjson", "jsonl"),
    "articles-csv": ("text/csv", "csv"),
}
_ID_RE = re.compile(r"^[0-9a-f]{16}-\d{3}$")
# a stored merged event (ev- + hash [+ -n]), or ev- + the id of an event in none yet
_INCIDENT_RE = re.compile(r"^ev-[0-9a-f]{16}(?:-\d+)?$")
INCIDENT_LIST_LIMIT = 200
_LIST_FIELDS = {
    "_id": 1,
    "date": 1,
    "event_type": 1,
    "sub_event_type": 1,
    "location.name_en": 1,
    "location.surface": 1,
    "location.admin1": 1,
    "location.country": 1,
    "fatalities": 1,
    "report_count": 1,
    "source_count": 1,
    "sources": 1,
    "merge_confidence": 1,
}


def _json_default(value: Any) -> Any:
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return str(value)


def dumps(value: Any) -> bytes:
    # "<" escaped too, so no JSON body can ever be read as markup
    return json.dumps(value, ensure_ascii=False, default=_json_default).replace("<", "\\u003c").encode()


class Workbench:
    """The state one server shares between requests."""

    def __init__(self, db, *, tile_url: str | None = None, basemap: BaseMap | None = None):
        self.db = db
        self.index = EventIndex(db)
        self.basemap = basemap or BaseMap()
        self.tile_url = tile_url
        self.token = secrets.token_urlsafe(32)
        self.lock = threading.Lock()

    def tile_origin(self) -> str | None:
        if not self.tile_url:
            return None
        parts = urlsplit(self.tile_url.replace("{", "").replace("}", ""))
        return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") else None

    # -- API ------------------------------------------------------------------------

    def meta(self) -> dict[str, Any]:
        return {
            **self.index.facets(),
            "token": self.token,
            "tile_url": self.tile_url,
            "basemap": self.basemap.available,
            "event_type_choices": EVENT_TYPES,
            "export_formats": list(FORMATS),
        }

    def event(self, event_id: str) -> dict[str, Any] | None:
        ev = self.db["events"].find_one({"_id": event_id})
        if ev is None:
            return None
        article = self.db["articles"].find_one(
            {"url": ev.get("article_url")},
            {
                "_id": 0,
                "url": 1,
                "title": 1,
                "text": 1,
                "source": 1,
                "published_local": 1,
                "final_url": 1,
                "fetched_url": 1,
            },
        )
        siblings = [
            {
                "id": o["_id"],
                "event_type": o.get("event_type"),
                "sub_event_type": o.get("sub_event_type"),
                "date": o.get("date"),
                "place": (o.get("location") or {}).get("name_en"),
                "evidence": (o.get("evidence") or {}).get("text"),
            }
            for o in self.db["events"]
            .find(
                {"article_url": ev.get("article_url"), "_id": {"$ne": event_id}},
                {"event_type": 1, "sub_event_type": 1, "date": 1, "location.name_en": 1, "evidence.text": 1},
            )
            .sort("_id", 1)
        ]
        merged = self.db[INCIDENTS].find_one(
            {"report_ids": event_id}, {"_id": 1, "report_count": 1, "source_count": 1, "merge_confidence": 1}
        )
        incident = (
            {"id": merged["_id"], **{k: merged.get(k) for k in ("report_count", "source_count", "merge_confidence")}}
            if merged
            else {"id": f"ev-{event_id}", "report_count": 1, "source_count": 1, "merge_confidence": 1.0}
        )
        return {
            "event": ev,
            "article": article,
            "others": siblings,
            "reviews": reviews_of(self.db, event_id),
            "incident": incident,
        }

    def incident(self, incident_id: str) -> dict[str, Any] | None:
        """A merged event, its reports side by side: each with its own fields, its article
        (title, text, link) and evidence, and how well it agrees with the other reports."""
        inc = self.db[INCIDENTS].find_one({"_id": incident_id})
        if inc is None and incident_id.startswith("ev-") and _ID_RE.match(incident_id[3:]):
            # an event in no merged event yet stands for a merged event of one report
            ev = self.db["events"].find_one({"_id": incident_id[3:]})
            if ev is not None and self.db[INCIDENTS].count_documents({"report_ids": ev["_id"]}, limit=1) == 0:
                inc = incident_document(incident_id, [report_from_event(ev)])
        if inc is None:
            return None
        reports = list(inc.get("reports") or [])
        ids = [r.get("event_id") for r in reports]
        events = {e["_id"]: e for e in self.db["events"].find({"_id": {"$in": ids}}, {"evidence": 1})}
        urls = sorted({r["article_url"] for r in reports if r.get("article_url")})
        articles = {
            a["url"]: a
            for a in self.db["articles"].find(
                {"url": {"$in": urls}},
                {"_id": 0, "url": 1, "title": 1, "text": 1, "source": 1, "published_local": 1, "final_url": 1},
            )
        }
        # the registry's names, else the site names the articles declare
        pubs = site_names(self.db, {r.get("source") for r in reports if r.get("source")}, publications())
        out = []
        for r in reports:
            others = [pair_score(r, o) for o in reports if o is not r]
            stored = events.get(r.get("event_id")) or {}
            out.append(
                {
                    **r,
                    "evidence": stored.get("evidence") or {"text": r.get("evidence")},
                    "source_name": (pubs.get(r.get("source") or "") or {}).get("name") or r.get("source"),
                    "article": articles.get(r.get("article_url")),
                    "agreement": round(sum(x or 0.0 for x in others) / len(others), 3) if others else None,
                    "event_exists": bool(stored),
                }
            )
        merged = {k: v for k, v in inc.items() if k not in ("reports", "days", "report_ids", "place_key")}
        merged["source_list"] = incident_sources(inc, pubs)
        return {"incident": merged, "reports": out}

    def incidents(self, flt: EventFilter) -> dict[str, Any]:
        """The stored merged events under ``flt`` (README: the filters on merged events),
        newest first, at most INCIDENT_LIST_LIMIT, and how many there are."""
        query = flt.incident_query()
        coll = self.db[INCIDENTS]
        found = list(coll.find(query, _LIST_FIELDS).sort([("date", -1), ("_id", 1)]).limit(INCIDENT_LIST_LIMIT))
        rows = []
        for inc in found:
            loc = inc.get("location") or {}
            rows.append(
                {
                    "id": inc["_id"],
                    "date": inc.get("date"),
                    "event_type": inc.get("event_type"),
                    "sub_event_type": inc.get("sub_event_type"),
                    "place": loc.get("name_en"),
                    "place_ar": loc.get("surface"),
                    "admin1": loc.get("admin1"),
                    "country": loc.get("country"),
                    "fatalities": inc.get("fatalities"),
                    "report_count": inc.get("report_count"),
                    "source_count": inc.get("source_count"),
                    "sources": inc.get("sources"),
                    "merge_confidence": inc.get("merge_confidence"),
                }
            )
        return {"count": coll.count_documents(query), "incidents": rows, "limit": INCIDENT_LIST_LIMIT}

    def article(self, url: str) -> dict[str, Any] | None:
        art = self.db["articles"].find_one({"url": url}, {"_id": 0, "search_tokens": 0})
        if art is None:
            return None
        events = list(self.db["events"].find({"article_url": url}).sort("_id", 1))
        return {
            "article": {
                k: art.get(k)
                for k in (
                    "url",
                    "title",
                    "text",
                    "source",
                    "published_local",
                    "final_url",
                    "fetched_url",
                    "event_count",
                    "authors",
                )
            },
            "events": events,
        }

    def articles(self, q: str, source: str | None, page: int, since: str | None, until: str | None) -> dict:
        """Articles matching a search (every word, spelling folded), or all of them, newest
        first; by source and publication dates."""
        per_page = 50
        fields = {"_id": 0, "url": 1, "title": 1, "source": 1, "published_local": 1, "event_count": 1}
        dates: dict[str, Any] = {}
        if since:
            dates["$gte"] = dt.datetime.fromisoformat(since[:10]).replace(tzinfo=dt.UTC)
        if until:
            dates["$lt"] = dt.datetime.fromisoformat(until[:10]).replace(tzinfo=dt.UTC) + dt.timedelta(days=1)
        extra = {"published": dates} if dates else {}
        sources = sorted(s for s in self.db["articles"].distinct("source") if s)
        if q.strip():
            found = list(
                search_articles(
                    self.db, q, source=source, limit=per_page * (page + 1) + 1, fields=fields, extra=extra
                )
            )
            return {
                "q": q,
                "page": page,
                "articles": found[page * per_page : (page + 1) * per_page],
                "more": len(found) > (page + 1) * per_page,
                "sources": sources,
            }
        query: dict[str, Any] = {"duplicate_of": None, **extra}
        if source:
            query["source"] = source
        found = list(
            self.db["articles"]
            .find(query, fields)
            .sort([("published", -1), ("url", 1)])
            .skip(page * per_page)
            .limit(per_page + 1)
        )
        return {
            "q": q,
            "page": page,
            "articles": found[:per_page],
            "more": len(found) > per_page,
            "sources": sources,
        }

    def health(self) -> dict[str, Any]:
        from crawler.runs import last_runs

        runs = [
            {
                k: r.get(k)
                for k in (
                    "_id",
                    "sources",
                    "started_at",
                    "duration_s",
                    "outcome",
                    "requests",
                    "articles",
                    "dropped",
                    "blocked",
                    "fetch_errors",
                    "errors_logged",
                )
            }
            for r in last_runs(self.db, None, 3)
        ]
        drops = list(
            self.db["drops"].aggregate(
                [
                    {"$group": {"_id": {"source": "$source", "reason": "$reason"}, "n": {"$sum": 1}}},
                    {"$sort": {"n": -1}},
                ]
            )
        )
        blocked = list(
            self.db["drops"]
            .find({"reason": "challenge_page"}, {"_id": 0, "url": 1, "source": 1, "last_seen": 1, "count": 1})
            .sort("last_seen", -1)
            .limit(50)
        )
        return {
            "runs": runs,
            "drops": [
                {"source": d["_id"].get("source"), "reason": d["_id"].get("reason"), "n": d["n"]}
                for d in drops
            ],
            "blocked": blocked,
            "articles": self.db["articles"].estimated_document_count(),
            "events": self.db["events"].estimated_document_count(),
        }


def _filter_from(query: dict[str, list[str]]) -> EventFilter:
    return EventFilter.from_mapping({k: v[-1] for k, v in query.items()})


class Handler(BaseHTTPRequestHandler):
    server_version = "MarsadWorkbench"
    sys_version = ""
    app: Workbench  # set on the subclass made by make_server
    allowed_hosts: set[str] = set()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass

    # -- plumbing ---------------------------------------------------------------------

    def _security_headers(self) -> None:
        img = "'self' data:"
        origin = self.app.tile_origin()
        if origin:
            img += f" {origin}"
        self.send_header(
            "Content-Security-Policy",
            f"default-src 'none'; script-src 'self'; style-src 'self'; img-src {img}; "
            "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; "
            "frame-ancestors 'none'",
        )
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Cross-Origin-Resource-Policy", "same-origin")
        self.send_header("X-Frame-Options", "DENY")

    def _send(
        self,
        status: int,
        body: bytes,
        ctype: str,
        extra: dict[str, str] | None = None,
        compress: bool = False,
    ) -> None:
        if compress and len(body) > 2048 and "gzip" in (self.headers.get("Accept-Encoding") or ""):
            body = gzip.compress(body, 5)
            extra = {**(extra or {}), "Content-Encoding": "gzip"}
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self._security_headers()
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, value: Any, status: int = 200) -> None:
        self._send(status, dumps(value), "application/json; charset=utf-8", compress=True)

    def _error(self, status: int, message: str) -> None:
        self._json({"error": message}, status)

    def _host_ok(self) -> bool:
        return (self.headers.get("Host") or "").lower() in self.allowed_hosts

    # -- routes -----------------------------------------------------------------------

    def do_HEAD(self) -> None:  # noqa: N802 - http.server's naming
        self.do_GET()

    def do_GET(self) -> None:  # noqa: N802
        if not self._host_ok():
            return self._error(HTTPStatus.MISDIRECTED_REQUEST, "unknown host")
        parts = urlsplit(self.path)
        path, query = parts.path, parse_qs(parts.query)
        try:
            self._route_get(path, query)
        except ValueError as exc:
            self._error(HTTPStatus.BAD_REQUEST, str(exc))
        except BrokenPipeError:
            pass

    def _route_get(self, path: str, query: dict[str, list[str]]) -> None:
        app = self.app
        one = lambda name, default="": (query.get(name) or [default])[-1]  # noqa: E731
        if path in ("/", "/index.html"):
            return self._static("index.html")
        if path.startswith("/static/"):
            return self._static(path[len("/static/") :])
        if path == "/api/meta":
            return self._json(app.meta())
        if path == "/api/view":
            zoom = min(max(float(one("zoom", "3") or 3), 0), 18)
            return self._json(app.index.view(_filter_from(query), zoom=zoom, bucket=one("bucket", "auto")))
        if path == "/api/event":
            event_id = one("id")
            found = app.event(event_id) if _ID_RE.match(event_id) else None
            return self._json(found) if found else self._error(404, "no such event")
        if path == "/api/incident":
            incident_id = one("id")
            found = app.incident(incident_id) if _INCIDENT_RE.match(incident_id) else None
            return self._json(found) if found else self._error(404, "no such merged event")
        if path == "/api/incidents":
            return self._json(app.incidents(_filter_from(query)))
        if path == "/api/article":
            found = app.article(one("url"))
            return self._json(found) if found else self._error(404, "no such article")
        if path == "/api/articles":
            page = max(int(one("page", "0") or 0), 0)
            return self._json(
                app.articles(
                    one("q"), one("source") or None, page, one("since") or None, one("until") or None
                )
            )
        if path == "/api/health":
            return self._json(app.health())
        if path == "/export":
            return self._export(one("format", "acled-csv"), query, one("per_report") in ("1", "true"))
        if path == "/basemap/countries.json":
            return self._send(200, app.basemap.countries(), "application/json", compress=True)
        if path == "/basemap/admin1.json":
            # several countries in one answer: the page builds and draws them once
            codes = [c for c in one("iso").upper().split(",") if re.fullmatch(r"[A-Z]{2}", c)][:60]
            parts = [json.loads(app.basemap.admin1(c))["features"] for c in codes]
            body = json.dumps({"features": [f for part in parts for f in part]}, separators=(",", ":"))
            return self._send(200, body.encode(), "application/json", compress=True)
        m = re.fullmatch(r"/basemap/admin1/([A-Za-z]{2})\.json", path)
        if m:
            return self._send(200, app.basemap.admin1(m.group(1)), "application/json", compress=True)
        self._error(404, "not found")

    def _static(self, name: str) -> None:
        target = (STATIC / name).resolve()
        if STATIC.resolve() not in target.parents or not target.is_file():
            return self._error(404, "not found")
        ctype = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if ctype.startswith("text/") or ctype in ("application/javascript",):
            ctype += "; charset=utf-8"
        self._send(200, target.read_bytes(), ctype, compress=True)

    def _export(self, fmt: str, query: dict[str, list[str]], per_report: bool = False) -> None:
        if fmt not in EXPORT_TYPES:
            return self._error(400, f"format must be one of {', '.join(EXPORT_TYPES)}")
        flt = _filter_from(query)
        if fmt in ARTICLE_FORMATS:
            flt = EventFilter(since=flt.since, until=flt.until, source=flt.source)
        buf = io.StringIO()
        export(self.app.db, fmt, buf, flt, per_report=per_report)
        ctype, ext = EXPORT_TYPES[fmt]
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M")
        if fmt not in ARTICLE_FORMATS:
            stamp = ("reports-" if per_report else "merged-") + stamp
        self._send(
            200,
            buf.getvalue().encode("utf-8"),
            f"{ctype}; charset=utf-8",
            {"Content-Disposition": f'attachment; filename="marsad-{fmt}-{stamp}.{ext}"'},
        )

    def do_POST(self) -> None:  # noqa: N802
        if not self._host_ok():
            return self._error(HTTPStatus.MISDIRECTED_REQUEST, "unknown host")
        origin = self.headers.get("Origin")
        if origin is not None and urlsplit(origin).netloc.lower() not in self.allowed_hosts:
            return self._error(403, "cross-site request refused")
        if (self.headers.get("Sec-Fetch-Site") or "same-origin") not in ("same-origin", "none"):
            return self._error(403, "cross-site request refused")
        if not secrets.compare_digest(self.headers.get("X-Marsad-Token") or "", self.app.token):
            return self._error(403, "missing or wrong token")
        if (self.headers.get("Content-Type") or "").split(";")[0].strip() != "application/json":
            return self._error(415, "send JSON")
        length = int(self.headers.get("Content-Length") or 0)
        if length > 64_000:
            return self._error(413, "too large")
        try:
            payload = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            return self._error(400, "not JSON")
        path = urlsplit(self.path).path
        if path == "/api/review" and isinstance(payload, dict):
            try:
                with self.app.lock:
                    doc = add_review(self.app.db, str(payload.get("event_id") or ""), payload)
            except ReviewError as exc:
                return self._error(400, str(exc))
            doc.pop("_id", None)
            return self._json({"ok": True, "review": doc}, 201)
        self._error(404, "not found")


def make_server(
    app: Workbench, host: str = "127.0.0.1", port: int = 0, allow_hosts: tuple[str, ...] = ()
) -> ThreadingHTTPServer:
    """A server for ``app`` (port 0: a free port); call ``serve_forever()`` on it. It
    answers to 127.0.0.1, localhost, ``host`` and the names in ``allow_hosts``."""
    handler: type[Handler] = type("BoundHandler", (Handler,), {"app": app})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    real_port = server.server_address[1]
    names = {host, "127.0.0.1", "localhost", "[::1]", *allow_hosts}
    handler.allowed_hosts = {f"{n}:{real_port}".lower() for n in names} | (
        {host.lower()} if real_port == 80 else set()
    )
    return server
