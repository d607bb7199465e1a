"""The HTTP side: one threading server per site on 127.0.0.1, HTTP/1.1 keep-alive."""
from __future__ import annotations

import copy
import socket
import sys
import threading
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import unquote, urlsplit

import yaml

from .build import build_sites
from .datelines import http_date
from .generated import GeneratedSite
from .responses import RequestContext, Response, Route, etag_for

SITE_ORDER = ("wp", "portal", "maghreb", "gen")


class _SiteHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address, site_key: str, owner: "FixtureServer") -> None:
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        super().__init__(address, _Handler)
        self.site_key = site_key
        self.owner = owner
        self.routes: dict[str, Route] = {}
        self.headers: dict[str, str] = {}
        self.fallback = None          # callable(path) -> Response | None (gen site)
        self.not_found: Response = Response(status=404, body=b"not found")
        self._conns: set[socket.socket] = set()
        self._conns_lock = threading.Lock()

    def handle_error(self, request, client_address) -> None:
        # Crawlers drop connections on purpose (timeouts, size limits): not an error here.
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)

    def process_request(self, request, client_address) -> None:
        with self._conns_lock:
            self._conns.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request) -> None:
        with self._conns_lock:
            self._conns.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """End idle keep-alive connections so a stopped site really stops answering."""
        with self._conns_lock:
            conns = list(self._conns)
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body leave in one buffered write, and without Nagle's delay: two small
    # writes per keep-alive response otherwise stall on delayed ACKs (~40 ms each).
    wbufsize = 64 * 1024
    disable_nagle_algorithm = True
    timeout = 60                 # idle keep-alive connections close after a minute
    _server_name = "fixturesite"

    def version_string(self) -> str:
        return self._server_name
    server_version = "fixturesite"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:   # quiet: benchmarks hit it hard
        return

    def do_GET(self) -> None:
        self._serve(head=False)

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def _resolve(self, srv: _SiteHTTPServer, path: str, query: str) -> Route:
        if query and f"{path}?{query}" in srv.routes:
            return srv.routes[f"{path}?{query}"]
        if path in srv.routes:
            return srv.routes[path]
        if srv.fallback is not None:
            found = srv.fallback(path, query)
            if found is not None:
                return found
        return srv.not_found

    def _serve(self, head: bool) -> None:
        srv: _SiteHTTPServer = self.server  # type: ignore[assignment]
        parts = urlsplit(self.path)
        path = unquote(parts.path) or "/"
        route = self._resolve(srv, path, parts.query)
        if callable(route):
            owner = srv.owner
            ctx = RequestContext(path=path, query=parts.query, headers=dict(self.headers.items()),
                                 state=owner._state, lock=owner._lock, stop=owner._stopping,
                                 hang_seconds=owner.hang_seconds)
            route = route(ctx)
        self._send(route, head)

    def _not_modified(self, resp: Response, etag: str) -> bool:
        inm = self.headers.get("If-None-Match")
        if inm is not None:
            return etag in [t.strip() for t in inm.split(",")] or inm.strip() == "*"
        ims = self.headers.get("If-Modified-Since")
        if ims and resp.last_modified is not None:
            try:
                since = parsedate_to_datetime(ims)
            except (TypeError, ValueError):
                return False
            if since.tzinfo is None:
                return False
            return resp.last_modified.replace(microsecond=0) <= since
        return False

    def _send(self, resp: Response, head: bool) -> None:
        srv: _SiteHTTPServer = self.server  # type: ignore[assignment]
        status, body = resp.status, resp.body
        extra: dict[str, str] = {}
        if resp.conditional and status == 200:
            etag = etag_for(body)
            extra["ETag"] = etag
            if resp.last_modified is not None:
                extra["Last-Modified"] = http_date(resp.last_modified)
            if self._not_modified(resp, etag):
                status, body = 304, b""
        # A response that names its own server (the CDN challenge) carries no site headers.
        site_headers = {} if "Server" in resp.headers else srv.headers
        headers = {**site_headers, **resp.headers, **extra}
        self._server_name = headers.pop("Server", "fixturesite")
        try:
            self.send_response(status)
            if resp.content_type and status != 304:
                self.send_header("Content-Type", resp.content_type)
            for k, v in headers.items():
                self.send_header(k, v)
            if status != 304:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if not head and status != 304:
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


class FixtureServer:
    """Serve the fixture news sites on loopback ports, in background threads.

    `ports`: None (free ports), a base port (site i on port+i, order wp, portal,
    maghreb, gen), a sequence of ports in that order, or a dict by site key.
    """

    def __init__(self, host: str = "127.0.0.1", ports: int | Iterable[int] | dict[str, int] | None = None,
                 generated: int = 0, hang_seconds: float = 30.0) -> None:
        self.host = host
        self.generated = int(generated)
        self.hang_seconds = float(hang_seconds)
        self.keys = [k for k in SITE_ORDER if k != "gen" or self.generated > 0]
        self._ports = self._port_plan(ports)
        self._servers: dict[str, _SiteHTTPServer] = {}
        self._threads: list[threading.Thread] = []
        self._state: dict = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self.base_urls: dict[str, str] = {}
        self._sites: dict = {}
        self._gen: GeneratedSite | None = None

    def _port_plan(self, ports: Any) -> dict[str, int]:
        if ports is None:
            return {k: 0 for k in self.keys}
        if isinstance(ports, int):
            return {k: ports + i for i, k in enumerate(SITE_ORDER) if k in self.keys}
        if isinstance(ports, dict):
            return {k: int(ports.get(k, 0)) for k in self.keys}
        seq = list(ports)
        return {k: (int(seq[i]) if i < len(seq) else 0) for i, k in enumerate(self.keys)}

    def start(self) -> "FixtureServer":
        if self._servers:
            return self
        self._stopping.clear()
        try:
            for key in self.keys:
                srv = _SiteHTTPServer((self.host, self._ports[key]), key, self)
                self._servers[key] = srv
                host = f"[{self.host}]" if ":" in self.host else self.host
                self.base_urls[key] = f"http://{host}:{srv.server_address[1]}"
        except OSError:
            self._close_all()
            raise
        self._sites = build_sites({k: v for k, v in self.base_urls.items() if k != "gen"})
        for key, site in self._sites.items():
            srv = self._servers[key]
            # Requests are matched on the decoded path (Arabic tag slugs arrive %-encoded).
            srv.routes = {unquote(k): v for k, v in site.routes.items()}
            srv.headers = dict(site.extra_headers)
            srv.not_found = Response(status=404, body=site.render_not_found().encode("utf-8"))
        if self.generated:
            self._gen = GeneratedSite(self.base_urls["gen"], self.generated)
            gsrv = self._servers["gen"]
            gsrv.routes = self._gen.static_routes()
            gsrv.fallback = self._gen.resolve
            gsrv.headers = {"Server": "nginx"}
        for key, srv in self._servers.items():
            t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.2},
                                 name=f"fixturesite-{key}", daemon=True)
            t.start()
            self._threads.append(t)
        return self

    def stop(self) -> None:
        self._stopping.set()
        for srv in self._servers.values():
            srv.shutdown()
            srv.close_connections()
        self._close_all()
        for t in self._threads:
            t.join(timeout=5)
        self._threads.clear()

    def _close_all(self) -> None:
        for srv in self._servers.values():
            srv.server_close()
        self._servers.clear()

    def __enter__(self) -> "FixtureServer":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def _require_started(self) -> None:
        if not self.base_urls:
            raise RuntimeError("FixtureServer is not started; call start() first")

    def sources(self) -> list[dict]:
        """Source-registry entries pointing at the live ports."""
        self._require_started()
        out = [site.source_entry() for site in self._sites.values()]
        if self._gen is not None:
            out.append(self._gen.source_entry())
        return out

    def write_sources(self, path: str | Path) -> Path:
        path = Path(path)
        header = ("# Source registry for the Marsad fixture sites, written by fixturesite.\n"
                  "# Ports are those of the running server; regenerate when it restarts.\n")
        path.write_text(header + yaml.safe_dump(self.sources(), allow_unicode=True, sort_keys=False),
                        encoding="utf-8")
        return path

    def catalogue(self) -> list[dict]:
        """Ground truth for every page a crawl can meet (see fixturesite.catalogue)."""
        self._require_started()
        out = [copy.deepcopy(e) for site in self._sites.values() for e in site.entries]
        if self._gen is not None:
            out.extend(self._gen.entries())
        return out


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]
