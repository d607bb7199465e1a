"""The embedded SecantusDB server in a child process of its own (``MARSAD_EMBEDDED_PROCESS``).

The server is Python: in the crawler's process it shares one interpreter lock with the
reactor and the store's writer, and the crawl cannot use a second core for it. As a child
it runs beside them. The parent (``EmbeddedServer`` with ``own_process=True``) starts it
with

    python -m pipelines.storage.embedded_process DATA_DIR CACHE_MB

and reads one line: ``READY <uri>``, or ``BUSY <message>`` (the directory is held by
another server), or ``ERROR <message>``. The child stops when its stdin ends: the parent
closes it to stop the server, and the system closes it when the parent dies in any way
(killed included), so no orphan keeps the data directory locked. SIGTERM stops it too.
"""
from __future__ import annotations

import contextlib
import signal
import socket
import sys
import threading


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    data_dir, cache_mb = args[0], int(args[1])
    from secantus import SecantusDBServer

    from .embedded import _is_busy_error

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        server = SecantusDBServer(host="127.0.0.1", port=0, storage_path=data_dir, replica_set_name=None,
                                  cache_size=f"{cache_mb}M")
        server.start()
    except Exception as exc:
        kind = "BUSY" if _is_busy_error(exc) else "ERROR"
        print(f"{kind} {' '.join(str(exc).split())}", flush=True)
        return 3
    print(f"READY {server.uri}", flush=True)
    sys.stdout = sys.stderr  # nothing else goes down the pipe the parent no longer reads

    def watch_stdin() -> None:
        with contextlib.suppress(OSError, ValueError):
            sys.stdin.buffer.read()  # returns when the parent closes the pipe or dies
        stop.set()

    threading.Thread(target=watch_stdin, daemon=True, name="parent-watch").start()
    while not stop.wait(1.0):
        pass
    listener = getattr(server, "_socket", None)
    if listener is not None:
        with contextlib.suppress(OSError):
            listener.shutdown(socket.SHUT_RDWR)
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
