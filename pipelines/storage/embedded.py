"""The embedded MongoDB-compatible server (SecantusDB) used when no MONGO_URI is given.

SecantusDB runs in this process on a WiredTiger data directory. WiredTiger allows one
process per directory; a second Marsad process on the same directory must stop with a
message that says what to do, not with WiredTiger's bare "Device or resource busy".

The server runs standalone (no replica set): Marsad uses neither change streams nor
transactions, so it keeps no oplog, and clients make no retryable writes (SecantusDB
keeps a record of each retryable write for 30 minutes and scans them on every write,
which made a long crawl slow down by half after about 8,000 articles). Retries are
covered by Marsad itself: every write is idempotent and a batch that fails waits in the
spool. ``client_uri`` also says ``retryWrites=false``. The WiredTiger cache is bounded
(``cache_mb``, default ``MARSAD_EMBEDDED_CACHE_MB`` or 128 MiB).
"""
from __future__ import annotations

import atexit
import contextlib
import errno
import fcntl
import logging
import os
import socket
import struct
import subprocess
import sys
import threading
import weakref
from pathlib import Path

from pipelines import config
from pipelines.config import DEFAULT_DATA_DIR

from .disk import disk_full_message

logger = logging.getLogger(__name__)

_LOCK_FILE = "WiredTiger.lock"


class StorageError(RuntimeError):
    """Storage cannot be opened or used; the message says why and what to do."""


class StoreLockedError(StorageError):
    """The embedded server's data directory is held by another server."""

    def __init__(self, data_dir: str, holder_pid: int | None = None, *, same_process: bool = False):
        self.data_dir = data_dir
        self.holder_pid = holder_pid
        if same_process:
            who = "another embedded server in this same process"
        elif holder_pid:
            who = f"another process (pid {holder_pid}): another Marsad crawl or a SecantusDB server"
        else:
            who = "another process: another Marsad crawl or a SecantusDB server"
        super().__init__(
            f"The data directory {data_dir} is in use by {who}. "
            "Only one process can use an embedded data directory at a time. "
            "Wait for that crawl to finish or stop it; or give this run its own directory "
            "(environment MARSAD_DATA_DIR=/path/to/dir, or `scrapy crawl news --set "
            "MONGO_DATA_DIR=/path/to/dir`); or share one database server between runs by "
            "setting MONGO_URI (e.g. mongodb://127.0.0.1:27017)."
        )


def _lock_holder_pid(data_dir: Path) -> int | None:
    """PID of the process holding WiredTiger's lock on ``data_dir`` (Linux only), or None.

    Checked before opening so a locked directory fails with our message before
    WiredTiger prints its own error. Locks held by this very process are invisible to
    F_GETLK; those are caught from WiredTiger's error instead.
    """
    if not sys.platform.startswith("linux"):
        return None
    lock_path = data_dir / _LOCK_FILE
    if not lock_path.exists():
        return None
    try:
        fd = os.open(lock_path, os.O_RDWR)
    except OSError:
        return None
    try:
        # struct flock on Linux: short l_type, short l_whence, off_t l_start, off_t l_len, pid_t l_pid
        query = struct.pack("@hhqqi", fcntl.F_WRLCK, os.SEEK_SET, 0, 0, 0).ljust(64, b"\0")
        answer = fcntl.fcntl(fd, fcntl.F_GETLK, query)
        l_type, _whence, _start, _len, pid = struct.unpack_from("@hhqqi", answer)
        return pid if l_type != fcntl.F_UNLCK and pid > 0 else None
    except OSError:
        return None
    finally:
        os.close(fd)


def _is_busy_error(exc: BaseException) -> bool:
    if isinstance(exc, OSError) and exc.errno in (errno.EBUSY, errno.EAGAIN):
        return True
    text = str(exc).lower()
    return "resource busy" in text or "already being managed" in text


# Servers started by this module, stopped at interpreter exit if nobody else did.
_live: weakref.WeakSet[EmbeddedServer] = weakref.WeakSet()


@atexit.register
def _stop_all() -> None:
    for server in list(_live):
        server.stop()


class EmbeddedServer:
    """A SecantusDB server on 127.0.0.1 (a free port) over ``data_dir``.

    ``start()`` raises ``StoreLockedError`` when the directory is held by another
    server, ``StorageError`` when it cannot be created or opened.
    """

    def __init__(self, data_dir: str | os.PathLike = DEFAULT_DATA_DIR, *, host: str = "127.0.0.1",
                 port: int = 0, cache_mb: int | None = None, own_process: bool | None = None):
        self.data_dir = str(Path(data_dir).expanduser().resolve())
        self.host = host
        self.port = port
        self.cache_mb = int(cache_mb) if cache_mb else config.embedded_cache_mb()
        # In a child process of its own (embedded_process.py): beside the caller's
        # interpreter lock rather than under it. Only on 127.0.0.1 with a free port.
        self.own_process = (config.embedded_own_process() if own_process is None else bool(own_process)) \
            and host == "127.0.0.1" and not port
        self._server = None
        self._child: subprocess.Popen | None = None
        self._child_uri: str | None = None
        self._lock = threading.Lock()

    @property
    def uri(self) -> str:
        if self._child_uri is not None:
            return self._child_uri
        if self._server is None:
            raise StorageError("the embedded server is not running")
        return self._server.uri

    @property
    def pid(self) -> int:
        """The process the server runs in."""
        return self._child.pid if self._child is not None else os.getpid()

    @property
    def client_uri(self) -> str:
        """``uri`` for Marsad's own clients: no retryable writes (see the module text)."""
        return f"{self.uri}?retryWrites=false"

    @property
    def running(self) -> bool:
        return self._server is not None or self._child is not None

    def start(self) -> EmbeddedServer:
        with self._lock:
            if self._server is not None or self._child is not None:
                return self
            path = Path(self.data_dir)
            try:
                path.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StorageError(
                    f"Cannot create the data directory {self.data_dir}: {exc.strerror or exc}. "
                    "Choose another with MARSAD_DATA_DIR or MONGO_DATA_DIR, or set MONGO_URI."
                ) from exc
            if not path.is_dir():
                raise StorageError(f"The data directory {self.data_dir} exists but is not a directory.")
            holder = _lock_holder_pid(path)
            if holder is not None and holder != os.getpid():
                if any(other.pid == holder for other in list(_live)):
                    raise StoreLockedError(self.data_dir, same_process=True)
                raise StoreLockedError(self.data_dir, holder)
            if self.own_process:
                self._start_child(path)
                _live.add(self)
                return self

            from secantus import SecantusDBServer  # loaded only when the embedded server is used

            try:
                server = SecantusDBServer(host=self.host, port=self.port, storage_path=self.data_dir,
                                          replica_set_name=None, cache_size=f"{self.cache_mb}M")
            except Exception as exc:
                if _is_busy_error(exc):
                    pid = _lock_holder_pid(path)
                    raise StoreLockedError(self.data_dir, pid, same_process=pid is None) from exc
                full = disk_full_message(exc, self.data_dir)
                if full:
                    raise StorageError(full) from exc
                raise StorageError(
                    f"The embedded database could not open {self.data_dir}: {exc}. "
                    "If the directory was written by another program or version, move it "
                    "aside or point MARSAD_DATA_DIR / MONGO_DATA_DIR elsewhere."
                ) from exc
            try:
                server.start()
            except Exception as exc:
                server.stop()
                raise StorageError(
                    f"The embedded database server could not listen on {self.host}: {exc}") from exc
            self._server = server
            _live.add(self)
            logger.info("embedded SecantusDB on %s serving %s", server.uri, self.data_dir)
            return self

    def _start_child(self, path: Path) -> None:
        child = subprocess.Popen(
            [sys.executable, "-m", "pipelines.storage.embedded_process", self.data_dir, str(self.cache_mb)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            cwd=str(Path(__file__).resolve().parents[2]))
        assert child.stdout is not None
        line = child.stdout.readline().strip()
        kind, _, detail = line.partition(" ")
        if kind == "READY":
            self._child, self._child_uri = child, detail
            logger.info("embedded SecantusDB (pid %d) on %s serving %s", child.pid, detail, self.data_dir)
            return
        with contextlib.suppress(OSError):
            child.kill()
        child.wait()
        if kind == "BUSY":
            pid = _lock_holder_pid(path)
            raise StoreLockedError(self.data_dir, pid, same_process=any(o.pid == pid for o in list(_live)))
        raise StorageError(
            f"The embedded database could not open {self.data_dir}: {detail or 'its process ended'}. "
            "If the directory was written by another program or version, move it "
            "aside or point MARSAD_DATA_DIR / MONGO_DATA_DIR elsewhere.")

    def _stop_child(self, child: subprocess.Popen) -> None:
        _live.discard(self)
        try:
            if child.stdin is not None:
                child.stdin.close()  # the child's signal to stop
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            logger.error("the embedded SecantusDB (pid %d) did not stop; killing it", child.pid)
            child.kill()
            child.wait()
        logger.info("embedded SecantusDB stopped (%s)", self.data_dir)

    def stop(self) -> None:
        """Stop the server and release the data directory; safe to call twice."""
        with self._lock:
            server, self._server = self._server, None
            child, self._child, self._child_uri = self._child, None, None
        if child is not None:
            self._stop_child(child)
        if server is None:
            return
        _live.discard(self)
        listener = getattr(server, "_socket", None)
        if listener is not None:
            # Closing a listening socket does not wake a thread blocked in accept() on
            # Linux, so SecantusDB's stop() would wait 2 s for its accept thread;
            # shutdown() wakes it at once.
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
        try:
            server.stop()
            logger.info("embedded SecantusDB stopped (%s)", self.data_dir)
        except Exception:  # at shutdown, a failing stop must not hide the real outcome
            logger.exception("stopping the embedded SecantusDB on %s failed", self.data_dir)

    def __enter__(self) -> EmbeddedServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


def start_embedded(data_dir: str | os.PathLike = DEFAULT_DATA_DIR, *,
                   cache_mb: int | None = None) -> EmbeddedServer:
    """Start an embedded server on ``data_dir`` and return it (call ``.stop()`` when done)."""
    return EmbeddedServer(data_dir, cache_mb=cache_mb).start()
