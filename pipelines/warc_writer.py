"""Keep what Marsad fetches as WARC: response records appended to rotating ``.warc.gz`` files.

The crawler's ``WriteWarc`` middleware uses it when ``MARSAD_WARC_DIR`` is set; the files
go back into the archive with ``marsad warc`` (``pipelines.warc.backfill``).
"""
from __future__ import annotations

import datetime as _dt
import io
import os
import socket
import threading
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

# Headers that described the bytes on the wire, not the decoded body that is written.
_WIRE_HEADERS = {"content-encoding", "transfer-encoding", "content-length"}


class WarcWriter:
    """Appends HTTP response records to ``<prefix>-<time>-<n>.warc.gz`` files in a
    directory, starting a new file past ``max_bytes``. Thread-safe."""

    def __init__(self, directory: str | Path, prefix: str = "marsad", max_bytes: int = 1_000_000_000):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.prefix = prefix
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._file: Any = None
        self._writer: Any = None
        self._serial = 0
        self.records = 0
        self.paths: list[Path] = []

    def _open(self) -> None:
        self._serial += 1
        stamp = _dt.datetime.now(_dt.UTC).strftime("%Y%m%d%H%M%S")
        path = self.directory / f"{self.prefix}-{stamp}-{os.getpid()}-{self._serial:05d}.warc.gz"
        self._file = open(path, "ab")
        self._writer = WARCWriter(self._file, gzip=True)
        self.paths.append(path)
        info = self._writer.create_warcinfo_record(path.name, {
            "software": "Marsad", "hostname": socket.gethostname(), "format": "WARC File Format 1.1"})
        self._writer.write_record(info)

    def write_response(self, url: str, status: int, headers: Iterable[tuple[str, str]], body: bytes,
                       fetched_at: _dt.datetime | None = None, reason: str = "") -> None:
        """Write one response (body already decoded; wire-encoding headers are left out)."""
        kept = [(k, v) for k, v in headers if k.lower() not in _WIRE_HEADERS]
        kept.append(("Content-Length", str(len(body))))
        http_headers = StatusAndHeaders(f"{status} {reason}".strip(), kept, protocol="HTTP/1.1")
        moment = (fetched_at or _dt.datetime.now(_dt.UTC)).astimezone(_dt.UTC)
        warc_headers = {"WARC-Date": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
                        "WARC-Record-ID": f"<urn:uuid:{uuid.uuid4()}>"}
        with self._lock:
            if self._file is None or self._file.tell() > self.max_bytes:
                self.close_file()
                self._open()
            record = self._writer.create_warc_record(url, "response", payload=io.BytesIO(body),
                                                     http_headers=http_headers,
                                                     warc_headers_dict=warc_headers)
            self._writer.write_record(record)
            self._file.flush()
            self.records += 1

    def close_file(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file, self._writer = None, None

    def close(self) -> None:
        with self._lock:
            self.close_file()
