"""What a route answers: a fixed response, or a function of the request (faults)."""
from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable, Union

HTML_UTF8 = "text/html; charset=UTF-8"


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    content_type: str | None = HTML_UTF8
    headers: dict[str, str] = field(default_factory=dict)
    # Articles send ETag/Last-Modified and answer 304 to a matching conditional request.
    last_modified: datetime | None = None
    conditional: bool = False


@dataclass
class RequestContext:
    path: str
    query: str
    headers: dict[str, str]
    state: dict                    # per server instance (e.g. which pages already failed)
    lock: threading.Lock
    stop: threading.Event          # set when the server stops, so hangs end early
    hang_seconds: float


Dynamic = Callable[[RequestContext], Response]
Route = Union[Response, Dynamic]


def redirect(location: str, status: int = 301) -> Response:
    body = f'<html><body>Moved: <a href="{location}">{location}</a></body></html>'.encode()
    return Response(status=status, body=body, headers={"Location": location})


def etag_for(body: bytes) -> str:
    return '"' + hashlib.sha1(body).hexdigest()[:20] + '"'
