"""A local on-disk spool for records the database could not take.

When MongoDB goes away in the middle of a crawl, article and drop records are appended
here (JSON Lines, one record a line; bytes base64, datetimes ISO 8601, both tagged so
they come back as they were) and written to the database when it answers again, or at
the start of the next run.

Layout: ``<dir>/spool-<pid>-<time>.jsonl`` segments. A writer holds an exclusive
``flock`` on its open segment, so a drain (this process or another crawl sharing the
directory) never replays a segment that is still being written. A segment is deleted
only after every record in it was written *and* the store's batch was flushed;
replaying a segment twice (a crash between the flush and the delete) is harmless since
the store upserts by article key (only ``fetch_count``/drop ``count`` may count twice).
A torn last line (a kill in the middle of an append) is skipped with a warning.
"""
from __future__ import annotations

import base64
import datetime as _dt
import fcntl
import json
import logging
import os
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from pipelines import config
from pipelines.config import DEFAULT_SPOOL_DIR

logger = logging.getLogger(__name__)

_PREFIX = "spool-"
_SUFFIX = ".jsonl"


class SpoolError(RuntimeError):
    """The spool directory cannot be used; the message says which and why."""


def default_spool_dir() -> str:
    """``MARSAD_SPOOL_DIR`` if set, else ``./data/spool``."""
    return config.spool_dir()


def _encode(value: Any) -> Any:
    if isinstance(value, dict):
        if any(str(k).startswith("$spool_") for k in value):
            # a crawled key that looks like one of our tags must not be read as one
            return {"$spool_pairs": [[str(k), _encode(v)] for k, v in value.items()]}
        return {str(k): _encode(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_encode(v) for v in value]
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"$spool_b64": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, _dt.datetime):
        return {"$spool_dt": value.isoformat()}
    if isinstance(value, _dt.date):
        return {"$spool_date": value.isoformat()}
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)  # anything exotic is kept readable rather than lost


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if len(value) == 1:
            (tag, inner), = value.items()
            if tag == "$spool_b64" and isinstance(inner, str):
                return base64.b64decode(inner)
            if tag == "$spool_dt" and isinstance(inner, str):
                return _dt.datetime.fromisoformat(inner)
            if tag == "$spool_date" and isinstance(inner, str):
                return _dt.date.fromisoformat(inner)
            if tag == "$spool_pairs" and isinstance(inner, list):
                return {k: _decode(v) for k, v in inner}
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def encode_line(kind: str, record: Any) -> bytes:
    """One spool line for ``{"kind": kind, "record": record}``."""
    text = json.dumps({"kind": kind, "record": _encode(record)}, ensure_ascii=False,
                      separators=(",", ":"))
    # surrogatepass: a lone surrogate in crawled text must not make the record unwritable.
    return text.encode("utf-8", "surrogatepass") + b"\n"


def decode_line(line: bytes) -> dict[str, Any]:
    """The ``{"kind", "record"}`` item of a spool line; raises ``ValueError`` if torn."""
    item = json.loads(line.decode("utf-8", "surrogatepass"))
    if not isinstance(item, dict) or item.get("kind") not in ("article", "drop"):
        raise ValueError("not a spool item")
    return {"kind": item["kind"], "record": _decode(item.get("record") or {})}


class Spool:
    """Append-only segments of spooled records in ``directory`` (created on first use)."""

    def __init__(self, directory: str | os.PathLike | None = None):
        self.directory = Path(directory or default_spool_dir()).expanduser()
        self._file = None
        self._path: Path | None = None
        self.appended = 0

    # -- writing ------------------------------------------------------------------

    def _open_segment(self):
        if self._file is None:
            try:
                self.directory.mkdir(parents=True, exist_ok=True)
                name = f"{_PREFIX}{os.getpid()}-{time.time_ns()}{_SUFFIX}"
                self._path = self.directory / name
                self._file = open(self._path, "ab")
                fcntl.flock(self._file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                raise SpoolError(
                    f"Cannot write the spool in {self.directory}: {exc.strerror or exc}. "
                    "Set MARSAD_SPOOL_DIR to a writable directory."
                ) from exc
        return self._file

    def append(self, items: Iterable[dict[str, Any]]) -> int:
        """Append ``{"kind": "article"|"drop", "record": ...}`` items; returns how many.
        Each line reaches the OS before this returns, so a killed process keeps it."""
        handle = self._open_segment()
        n = 0
        for item in items:
            handle.write(encode_line(item["kind"], item["record"]))
            n += 1
        handle.flush()
        self.appended += n
        return n

    def close_segment(self) -> None:
        """Sync and release the open segment, making it drainable."""
        if self._file is None:
            return
        handle, self._file, self._path = self._file, None, None
        try:
            handle.flush()
            os.fsync(handle.fileno())
        finally:
            handle.close()  # also releases the flock
        # an empty segment (nothing appended since open) is not worth keeping
        self._remove_empty()

    def _remove_empty(self) -> None:
        for path in self._segments():
            try:
                if path.stat().st_size == 0 and self._try_lock(path) is not None:
                    path.unlink()
            except OSError:
                pass

    # -- reading ------------------------------------------------------------------

    def _segments(self) -> list[Path]:
        if not self.directory.is_dir():
            return []
        return sorted(p for p in self.directory.iterdir()
                      if p.name.startswith(_PREFIX) and p.name.endswith(_SUFFIX))

    def _try_lock(self, path: Path):
        """An open, locked handle on a closed segment, or None if another writer holds it."""
        if self._path is not None and path == self._path:
            return None
        try:
            handle = open(path, "rb")
        except OSError:
            return None
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return None
        return handle

    def pending_segments(self) -> list[Path]:
        """Segments waiting to be drained (including this spool's open one)."""
        return self._segments()

    def pending_count(self) -> int:
        """Records waiting in every segment (counts lines; cheap enough for a spool)."""
        total = 0
        for path in self._segments():
            try:
                with open(path, "rb") as handle:
                    total += sum(1 for line in handle if line.strip())
            except OSError:
                pass
        return total

    @staticmethod
    def _items(handle) -> Iterator[dict[str, Any]]:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                yield decode_line(line)
            except (ValueError, UnicodeDecodeError) as exc:
                logger.warning("spool %s line %d is unreadable and is skipped (%s)",
                               handle.name, number, exc)

    def drain(self, store: Any) -> int:
        """Write every closed segment into ``store`` (an ``ArticleStore``) and delete it.

        Call it with nothing buffered in ``store``. Returns the records written. Raises
        what ``store`` raises (e.g. ``StorageUnavailableError``) with the segment kept on
        disk and the store's buffer emptied; records already written from that segment
        are replayed next time (idempotent upserts)."""
        self.close_segment()
        written = 0
        for path in self._segments():
            handle = self._try_lock(path)
            if handle is None:
                continue  # another crawl is still writing it
            try:
                count = 0
                for item in self._items(handle):
                    if item["kind"] == "article":
                        store.add(item["record"])
                    else:
                        store.add_drop(item["record"])
                    count += 1
                store.flush()
                path.unlink()
            except Exception:
                # The segment stays on disk, so what the store still buffers from it is
                # let go rather than spooled a second time.
                store.take_pending()
                raise
            finally:
                handle.close()
            written += count
            logger.info("spool %s: %d records written to the database", path.name, count)
        return written


__all__ = ["DEFAULT_SPOOL_DIR", "Spool", "SpoolError", "decode_line", "default_spool_dir", "encode_line"]


if __name__ == "__main__":  # the command lives above storage: pipelines.archive
    from pipelines.archive import spool_main

    raise SystemExit(spool_main())
