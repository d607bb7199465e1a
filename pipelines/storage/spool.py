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

An append is all or nothing: when the disk is full (ENOSPC, a quota) the segment is cut
back to where the append began, and the records are held in memory instead, up to
``memory_limit`` bytes of spool lines; they go to disk at the next append that fits,
and to the database with the next drain. Past that bound, and on any other write error,
``append`` raises ``SpoolError`` naming the cause (the records stay held), so the caller
can stop instead of losing records silently.
"""
from __future__ import annotations

import base64
import datetime as _dt
import errno
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
# How many bytes of spool lines wait in memory while the spool's disk is full.
DEFAULT_MEMORY_LIMIT = 64 * 1024 * 1024
_NO_SPACE = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


class SpoolError(RuntimeError):
    """The spool directory cannot be used; the message says which and why."""


class SpoolFullError(SpoolError):
    """The spool's disk is full and the records held in memory reached their bound."""


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

    def __init__(self, directory: str | os.PathLike | None = None, *,
                 memory_limit: int = DEFAULT_MEMORY_LIMIT):
        self.directory = Path(directory or default_spool_dir()).expanduser()
        self.memory_limit = memory_limit
        self._file = None
        self._path: Path | None = None
        self.appended = 0
        # Encoded lines the disk could not take (full), oldest first, and their size.
        self._held: list[bytes] = []
        self._held_bytes = 0
        self.disk_error: str | None = None  # why lines are held, while they are

    # -- writing ------------------------------------------------------------------

    def _open_segment(self):
        if self._file is None:
            try:
                self.directory.mkdir(parents=True, exist_ok=True)
                name = f"{_PREFIX}{os.getpid()}-{time.time_ns()}{_SUFFIX}"
                self._path = self.directory / name
                # unbuffered: an append is written (or cut back) whole, never half-buffered
                self._file = open(self._path, "ab", buffering=0)
                fcntl.flock(self._file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                if self._file is not None:
                    self._file.close()
                self._file, self._path = None, None
                if exc.errno in _NO_SPACE:
                    raise
                raise SpoolError(
                    f"Cannot write the spool in {self.directory}: {exc.strerror or exc}. "
                    "Set MARSAD_SPOOL_DIR to a writable directory."
                ) from exc
        return self._file

    def _write_lines(self, lines: list[bytes]) -> None:
        """Write ``lines`` to the open segment whole, or not at all (raises OSError)."""
        handle = self._open_segment()
        fd = handle.fileno()
        start = os.lseek(fd, 0, os.SEEK_END)
        data = memoryview(b"".join(lines))
        try:
            while data:
                done = os.write(fd, data)
                data = data[done:]
        except OSError:
            try:  # no torn line is left for a later append to run into
                os.ftruncate(fd, start)
            except OSError:
                pass
            raise

    def _flush_held(self) -> bool:
        """Try to write the held lines to disk; True when none is held any more."""
        if not self._held:
            return True
        try:
            self._write_lines(self._held)
        except OSError:
            return False
        logger.warning("spool %s: %d records held in memory while its disk was full are "
                       "now on disk", self.directory, len(self._held))
        self._held, self._held_bytes, self.disk_error = [], 0, None
        return True

    def append(self, items: Iterable[dict[str, Any]]) -> int:
        """Append ``{"kind": "article"|"drop", "record": ...}`` items; returns how many.
        Each line reaches the OS before this returns, so a killed process keeps it; or,
        while the disk is full, waits in memory (see the module's description)."""
        lines = [encode_line(item["kind"], item["record"]) for item in items]
        if not lines:
            return 0
        try:
            if not self._flush_held():
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            self._write_lines(lines)
        except OSError as exc:
            self._hold(lines, exc)
        self.appended += len(lines)
        return len(lines)

    def _hold(self, lines: list[bytes], exc: OSError) -> None:
        self._held.extend(lines)
        self._held_bytes += sum(map(len, lines))
        if self.disk_error is None:
            self.disk_error = f"{exc.strerror or exc} in {self.directory}"
            logger.warning("spool %s cannot be written (%s); records are held in memory "
                           "(up to %d MB) until it can", self.directory, self.disk_error,
                           self.memory_limit // (1024 * 1024))
        if exc.errno not in _NO_SPACE:
            raise SpoolError(f"Cannot write the spool in {self.directory}: {exc.strerror or exc}; "
                             f"{len(self._held)} records are held in memory only") from exc
        if self._held_bytes > self.memory_limit:
            raise SpoolFullError(
                f"The spool's disk is full ({self.disk_error}) and {len(self._held)} records "
                f"({self._held_bytes // (1024 * 1024)} MB) already wait in memory, its bound "
                "(MARSAD_SPOOL_MEMORY_MB); free space in the spool directory or set "
                "MARSAD_SPOOL_DIR elsewhere") from exc

    @property
    def held(self) -> int:
        """Records waiting in memory because the spool's disk is full."""
        return len(self._held)

    def close_segment(self) -> None:
        """Sync and release the open segment, making it drainable."""
        self._flush_held()  # a last chance for what waits in memory
        if self._file is None:
            return
        handle, self._file, self._path = self._file, None, None
        try:
            os.fsync(handle.fileno())
        except OSError as exc:
            logger.warning("spool %s: fsync failed (%s)", self.directory, exc)
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
        """Records waiting in every segment and in memory (counts lines; cheap enough
        for a spool)."""
        total = len(self._held)
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
        if self._held:
            held = len(self._held)
            try:
                for line in self._held:
                    item = decode_line(line)
                    if item["kind"] == "article":
                        store.add(item["record"])
                    else:
                        store.add_drop(item["record"])
                store.flush()
            except Exception:
                store.take_pending()  # still held: written by a later drain
                raise
            self._held, self._held_bytes, self.disk_error = [], 0, None
            written += held
            logger.info("spool %s: %d records held in memory written to the database",
                        self.directory, held)
        return written


__all__ = ["DEFAULT_MEMORY_LIMIT", "DEFAULT_SPOOL_DIR", "Spool", "SpoolError", "SpoolFullError", "decode_line",
           "default_spool_dir", "encode_line"]


if __name__ == "__main__":  # the command lives above storage: pipelines.archive
    from pipelines.archive import spool_main

    raise SystemExit(spool_main())
