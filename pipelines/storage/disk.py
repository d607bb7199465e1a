"""Is a disk full? Free space under a path, and errors that say "no space left".

Shared by the embedded server (a data directory it cannot open) and the store pipeline's
failure classifier (``failures.py``); imports nothing of the storage package.
"""
from __future__ import annotations

import errno
import os
from pathlib import Path

from pymongo.errors import OperationFailure

# Below this much free space a failed write on the data directory is taken for a full
# disk (the storage engine preallocates its log files, so a few MB can remain).
LOW_SPACE_BYTES = 16 * 1024 * 1024

# errno values meaning "the disk has no room" (rather than a wrong path or permission).
NO_SPACE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


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


def disk_full_message(exc: BaseException, data_dir: str) -> str | None:
    """Why the embedded server cannot open ``data_dir`` when its disk is full, else None."""
    free = free_bytes(data_dir)
    if not is_no_space(exc) and (free is None or free >= LOW_SPACE_BYTES):
        return None
    room = f"{free // 1024} kB free" if free is not None else "no room left"
    return (f"The embedded database cannot open {data_dir}: its disk is full ({room}; it said: {exc}). "
            "Free space there, or point MARSAD_DATA_DIR / MONGO_DATA_DIR elsewhere.")



__all__ = ["LOW_SPACE_BYTES", "NO_SPACE_ERRNOS", "disk_full_message", "free_bytes", "is_no_space"]
