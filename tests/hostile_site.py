"""A hostile news site on loopback for tests: fixed bodies per path, on a free port.

Each test writes the site it needs (feeds, sitemaps, pages) as a mapping of path to
``(content type, body)``, or ``(content type, body, options)`` where options may set
``status``, ``headers`` and ``delay`` (seconds before answering); the server answers 404
for anything else and logs each requested path, so a test can tell what the crawler
asked for.
"""
from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml

PARAGRAPH = ("قالت مصادر محلية إن الأمطار الغزيرة التي هطلت على المدينة خلال الليل أدت إلى "
             "انقطاع الطرق الرئيسية وتضرر عدد من المنازل القديمة في الأحياء الشرقية")


def article_html(title: str, extra_head: str = "") -> bytes:
    body = "".join(f"<p>{PARAGRAPH} ({title}) {i}</p>" for i in range(5))
    return (f"<html lang='ar' dir='rtl'><head><meta charset='utf-8'><title>{title}</title>"
            f"<meta property='article:published_time' content='2024-05-02T08:00:00+03:00'>{extra_head}"
            f"</head><body><article><h1>{title}</h1>{body}</article></body></html>").encode()


class HostileSite:
    """``with HostileSite(routes) as site:`` serves ``routes`` at ``site.base``."""

    def __init__(self, routes: dict[str, tuple[str, bytes]] | None = None, host: str = "127.0.0.1"):
        self.routes: dict[str, tuple[Any, ...]] = dict(routes or {})
        self.requested: list[str] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802  # http.server's name
                site.requested.append(self.path)
                found = site.routes.get(self.path)
                if found is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                content_type, body, *rest = found
                options = rest[0] if rest else {}
                if options.get("delay"):
                    time.sleep(options["delay"])
                self.send_response(options.get("status", 200))
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for name, value in (options.get("headers") or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the crawler gave up on this answer

            def handle_one_request(self) -> None:
                try:
                    super().handle_one_request()
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.base = f"http://{host}:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> HostileSite:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()

    def entry(self, source_id: str = "hostile", **fields: Any) -> dict[str, Any]:
        """A registry entry for a source served by this site."""
        entry = {"id": source_id, "name": "Hostile", "base_url": self.base + "/", "language": "ar",
                 "timezone": "Asia/Baghdad", "allow_private": True, "crawl_delay": 0}
        entry.update(fields)
        return entry

    def registry(self, path: Path, source_id: str = "hostile", **fields: Any) -> Path:
        return write_registry(path, [self.entry(source_id, **fields)])


def write_registry(path: Path, entries: list[dict[str, Any]]) -> Path:
    path.write_text(yaml.safe_dump(entries, allow_unicode=True), encoding="utf-8")
    return path
