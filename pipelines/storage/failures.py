"""What a failed database write means, and the message that names its cause.

Two kinds of failure reach the crawler's store pipeline:

- ``unreachable``: the server cannot be reached (connection refused, timed out). It may
  come back, so records wait in the spool (or, when the spool's disk is full too, in a
  bounded amount of memory) and are written when it answers again.
- ``fatal``: the server answered and refused the write (a full disk, a panicked
  storage engine, an unknown server error). Retrying will not help; the crawl stops
  with a non-zero exit and this message, and what it had not written goes to the spool.

The embedded SecantusDB answers a write on a full disk with a bare "internal server
error" (its storage engine panicked: WT_PANIC); the message then says how much room is
left on the data directory's file system, which is what the operator must fix.
"""
from __future__ import annotations

import errno
import os
from dataclasses import dataclass
from pathlib import Path

from pymongo.errors import ConnectionFailure, OperationFailure, PyMongoError

from .store import StorageUnavailableError

# Below this much free space a failed write on the data directory is taken for a full
# disk (the storage engine preallocates its log files, so a few MB can remain).
LOW_SPACE_BYTES = 16 * 1024 * 1024

# errno values meaning "the disk has no room" (rather than a wrong path or permission).
NO_SPACE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


@dataclass(frozen=True)
class WriteFailure:
    kind: str      # "unreachable" (hold and retry) or "fatal" (stop the crawl)
    cause: str     # "unreachable", "disk_full", "server_error"
    message: str   # one line for the log and the run record


def free_bytes(path: str | os.PathLike | None) -> int | None:
    """Free bytes (for an unprivileged writer) on the file system holding ``path`` or its
    nearest existing parent; None when unknown."""
    if not path:
        return None
    here = Path(path).expanduser()
    while not here.exists() and here != here.parent:
        here = here.parent
    try:
        stat = os.statvfs(here)
    except OSError:
        return None
    return stat.f_bavail * stat.f_frsize


def _chain(exc: BaseException):
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def is_no_space(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) says a disk is full."""
    for item in _chain(exc):
        if isinstance(item, OSError) and item.errno in NO_SPACE_ERRNOS:
            return True
        text = str(item).lower()
        if "no space left" in text or "out of disk space" in text or "disk quota" in text:
            return True
        if isinstance(item, OperationFailure) and item.code in (14031,):  # OutOfDiskSpace
            return True
    return False


def _server_text(exc: BaseException) -> str:
    if isinstance(exc, OperationFailure) and exc.details:
        details = exc.details
        errors = details.get("writeErrors") or []
        if errors:
            first = errors[0]
            return f"{first.get('errmsg', 'write error')} (code {first.get('code')})"
        return f"{details.get('errmsg', exc)} (code {details.get('code', exc.code)})"
    return f"{exc.__class__.__name__}: {exc}"


def classify_write_failure(exc: BaseException, *, data_dir: str | None = None,
                           where: str = "the database") -> WriteFailure:
    """What ``exc``, raised by a write, means. ``data_dir`` is the embedded server's data
    directory (None for a server at MONGO_URI); ``where`` names the database in messages."""
    if isinstance(exc, (StorageUnavailableError, ConnectionFailure)):
        return WriteFailure("unreachable", "unreachable", f"{where} is unreachable ({exc})")
    said = _server_text(exc) if isinstance(exc, PyMongoError) else f"{exc.__class__.__name__}: {exc}"
    free = free_bytes(data_dir) if data_dir else None
    if is_no_space(exc) or (free is not None and free < LOW_SPACE_BYTES):
        room = f"{free // 1024} kB free" if free is not None else "no room left"
        on = f"the data directory {data_dir}" if data_dir else where
        return WriteFailure(
            "fatal", "disk_full",
            f"{where} refused a write because the disk of {on} is full ({room}; the server "
            f"said: {said}). Free space there or move the data directory, then run the crawl "
            "again; records not written wait in the spool.")
    return WriteFailure(
        "fatal", "server_error",
        f"{where} refused a write ({said}); the crawl stops rather than lose records. "
        "Records not written wait in the spool.")


__all__ = ["LOW_SPACE_BYTES", "WriteFailure", "classify_write_failure", "free_bytes", "is_no_space"]
