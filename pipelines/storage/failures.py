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

from dataclasses import dataclass

from pymongo.errors import ConnectionFailure, OperationFailure, PyMongoError

from .disk import LOW_SPACE_BYTES, disk_full_message, free_bytes, is_no_space
from .store import StorageUnavailableError


@dataclass(frozen=True)
class WriteFailure:
    kind: str      # "unreachable" (hold and retry) or "fatal" (stop the crawl)
    cause: str     # "unreachable", "disk_full", "server_error"
    message: str   # one line for the log and the run record


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


__all__ = ["LOW_SPACE_BYTES", "WriteFailure", "classify_write_failure", "disk_full_message", "free_bytes",
           "is_no_space"]
