"""Server time per (command, collection) in every Python process of a benchmark run.

    MARSAD_COMMAND_TIMES=/tmp/times PYTHONPATH=bench/command_times \
        .venv/bin/python bench/bench_peers.py -n 1000 --only marsad
    cat /tmp/times.*.txt

Python imports ``sitecustomize`` at start-up, so with this folder on PYTHONPATH every
process of the run (the crawl included) registers a pymongo command listener. At exit a
process that sent commands writes ``<prefix>.<pid>.txt``: seconds, calls and documents per
(command, collection), most costly first. The times are round trips as the client sees
them: with the embedded server in the crawler they include waits for the shared GIL, so
compare rows with each other, not with CPU figures.

With ``MARSAD_COMMAND_SHAPES=1`` a find, count or aggregate row is split by the fields
its filter names (and the projection's), to tell apart the reads of one collection.
"""
from __future__ import annotations

import atexit
import collections
import os

_PREFIX = os.environ.get("MARSAD_COMMAND_TIMES")
_SHAPES = os.environ.get("MARSAD_COMMAND_SHAPES") == "1"


def _shape(command) -> str:  # noqa: ANN001
    flt = command.get("filter") or command.get("query")
    if flt is None and isinstance(command.get("pipeline"), list) and command["pipeline"]:
        flt = command["pipeline"][0].get("$match")
    fields = ",".join(sorted(flt)) if isinstance(flt, dict) else ""
    proj = command.get("projection")
    return f" [{fields}]" + (f" -> {','.join(sorted(proj))}" if isinstance(proj, dict) else "")


def _install(prefix: str) -> None:
    from pymongo import monitoring

    micros: collections.Counter = collections.Counter()
    calls: collections.Counter = collections.Counter()
    docs: collections.Counter = collections.Counter()
    started: dict[int, tuple[tuple[str, str], int]] = {}

    class _Listener(monitoring.CommandListener):
        def started(self, event):  # noqa: ANN001
            target = event.command.get(event.command_name)
            n = sum(len(event.command[k]) for k in ("documents", "updates", "deletes") if k in event.command)
            name = target if isinstance(target, str) else ""
            if _SHAPES and event.command_name in ("find", "count", "aggregate"):
                name += _shape(event.command)
            started[event.request_id] = ((event.command_name, name), n)

        def succeeded(self, event):  # noqa: ANN001
            entry = started.pop(event.request_id, None)
            if entry:
                micros[entry[0]] += event.duration_micros
                calls[entry[0]] += 1
                docs[entry[0]] += entry[1]

        def failed(self, event):  # noqa: ANN001
            started.pop(event.request_id, None)

    monitoring.register(_Listener())

    def _dump() -> None:
        if not micros:
            return
        with open(f"{prefix}.{os.getpid()}.txt", "w") as out:
            for key, us in micros.most_common():
                out.write(f"{us / 1e6:8.2f} s {calls[key]:7d} calls {docs[key]:8d} docs  {key[0]} {key[1]}\n")

    atexit.register(_dump)


if _PREFIX:
    _install(_PREFIX)
