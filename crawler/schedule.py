"""The scheduler: runs each source's crawl at the times its registry entry asks for.

    python -m crawler.schedule [--source ID ...] [--max-run-time S] [--jitter S]
    python -m crawler.schedule --run-once ID      # one locked crawl, for cron/systemd timers

Each crawl is its own ``scrapy crawl news -a source=ID`` process. A source runs only
while its lease in MongoDB (``crawler.locks``) is held, so it never runs twice at once,
on this machine or another one sharing the database. A crawl past its maximum run time
is stopped (SIGTERM, then SIGKILL after a grace period). SIGTERM or SIGINT stops the
scheduler cleanly: nothing new is launched, running crawls are stopped, leases released.

Without ``MONGO_URI`` the scheduler starts the embedded server on the data directory
itself and gives its address to the crawls, because an embedded data directory can be
open in one process only.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import logging
import os
import random
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from crawler.locks import Heartbeat, source_lease
from crawler.runs import RUNS
from crawler.schedule_spec import Schedule, ScheduleError, parse_schedule
from crawler.sources import Source, SourceRegistryError, load_sources, select_sources
from pipelines.config import add_archive_options
from pipelines.secrets import install_log_redaction
from pipelines.storage import StorageError, open_database

log = logging.getLogger("marsad.schedule")

ROOT = Path(__file__).resolve().parent.parent
EX_TEMPFAIL = 75  # --run-once: the source is already running elsewhere

__all__ = ["EX_TEMPFAIL", "Job", "Schedule", "ScheduleError", "Scheduler", "main", "parse_schedule",
           "run_once"]


# Settings the crawl also reads from its environment, where their passwords stay unseen.
_SECRET_SETTINGS = ("MONGO_URI", "REDIS_URL")


def _now() -> _dt.datetime:
    return _dt.datetime.now(_dt.UTC)


# -- running crawls ---------------------------------------------------------------


@dataclass
class Job:
    source: str
    schedule: Schedule
    next_due: _dt.datetime
    proc: subprocess.Popen | None = None
    lease: Any = None
    run_id: str | None = None
    started: float = 0.0
    started_at: _dt.datetime | None = None
    stop_reason: str | None = None
    term_sent: float | None = None
    log_file: Any = None
    runs: int = field(default=0)
    last_code: int | None = None

    @property
    def process(self) -> subprocess.Popen:
        """The running crawl's process (only asked for while there is one)."""
        assert self.proc is not None, f"{self.source}: no crawl is running"
        return self.proc


class Scheduler:
    """Launches, watches and stops crawl processes; see the module docstring."""

    def __init__(self, db: Any, mongo_uri: str, database: str, sources: list[Source], *,
                 registry: str | None = None, max_run_time: float = 3600.0, jitter: float = 30.0,
                 lease_ttl: float = 60.0, kill_grace: float = 30.0, tick: float = 1.0,
                 scrapy_settings: list[str] | None = None, log_dir: str | None = None,
                 clock: Callable[[], _dt.datetime] = _now):
        self.db = db
        self.mongo_uri = mongo_uri
        self.database = database
        self.registry = registry
        self.max_run_time = max_run_time
        self.jitter = max(0.0, jitter)
        self.lease_ttl = lease_ttl
        self.kill_grace = kill_grace
        self.tick = tick
        self.scrapy_settings = list(scrapy_settings or [])
        self.log_dir = Path(log_dir) if log_dir else None
        self.clock = clock
        self.stopping = False
        self.heartbeat = Heartbeat(max(0.5, lease_ttl / 3))
        now = clock()
        self.jobs = [Job(s.id, schedule, self._first_due(s.id, schedule, now))
                     for s in sources for schedule in [parse_schedule(s.schedule)]]

    # -- timing ----------------------------------------------------------------

    def _jitter(self) -> _dt.timedelta:
        return _dt.timedelta(seconds=random.uniform(0, self.jitter)) if self.jitter else _dt.timedelta()

    def _first_due(self, source: str, schedule: Schedule, now: _dt.datetime) -> _dt.datetime:
        """Interval sources continue from their last recorded run, so a restarted
        scheduler does not crawl everything again at once."""
        if schedule.interval is not None:
            last = self.db[RUNS].find_one({"sources": source}, sort=[("started_at", -1)])
            started = last.get("started_at") if last else None
            if isinstance(started, _dt.datetime):
                started = started if started.tzinfo else started.replace(tzinfo=_dt.UTC)
                return max(now, schedule.next_after(started)) + self._jitter()
            return now + self._jitter()
        return schedule.next_after(now) + self._jitter()

    # -- the loop --------------------------------------------------------------

    def request_stop(self, *_: Any) -> None:
        if not self.stopping:
            log.info("stop requested: launching nothing more, stopping running crawls")
        self.stopping = True

    def run_forever(self, until: Callable[[], bool] | None = None) -> None:
        self.heartbeat.start()
        try:
            while not self.stopping and not (until and until()):
                self.step()
                time.sleep(self.tick)
        finally:
            self.shutdown()

    def step(self) -> None:
        """One pass: reap finished crawls, stop overdue ones, launch due ones."""
        now = self.clock()
        for job in self.jobs:
            if job.proc is not None:
                self._watch(job)
            if job.proc is None and not self.stopping and now >= job.next_due:
                self._launch(job, now)

    def _watch(self, job: Job) -> None:
        code = job.process.poll()
        if code is not None:
            self._finish(job, code)
            return
        elapsed = time.monotonic() - job.started
        if job.term_sent is None:
            if self.max_run_time and elapsed > self.max_run_time:
                log.warning("%s: run %s exceeded %ss; stopping it", job.source, job.run_id, self.max_run_time)
                self._terminate(job, "max_run_time")
            elif job.lease.name in self.heartbeat.lost:
                log.error("%s: lease lost; stopping run %s", job.source, job.run_id)
                self._terminate(job, "lease_lost")
        elif time.monotonic() - job.term_sent > self.kill_grace:
            log.warning("%s: run %s did not stop in %ss; killing it", job.source, job.run_id, self.kill_grace)
            self._kill(job)

    def _launch(self, job: Job, now: _dt.datetime) -> None:
        job.next_due = job.schedule.next_after(now) + self._jitter()
        lease = source_lease(self.db, job.source, self.lease_ttl)
        if not lease.acquire():
            holder = (lease.current() or {}).get("holder")
            log.info("%s: already running (lease held by %s); skipped", job.source, holder)
            return
        job.lease, job.run_id = lease, uuid.uuid4().hex
        self.heartbeat.add(lease)
        job.started, job.started_at = time.monotonic(), self.clock()
        job.stop_reason, job.term_sent = None, None
        try:
            job.proc = self._spawn(job)
        except OSError as exc:
            log.error("%s: cannot start the crawl: %s", job.source, exc)
            self._record(job, None)
            self._release(job)
            return
        job.runs += 1
        log.info("%s: run %s started (pid %s); next at %s", job.source, job.run_id, job.proc.pid,
                 job.next_due.strftime("%Y-%m-%d %H:%M:%S"))

    def crawl_command(self, source: str, run_id: str) -> list[str]:
        # MONGO_URI and REDIS_URL (with their passwords) go through the environment
        # (crawl_env), never the command line, which any user of the machine can read (ps).
        cmd = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"source={source}",
               "-s", f"MARSAD_RUN_ID={run_id}", "-s", f"MONGO_DATABASE={self.database}"]
        if self.registry:
            cmd += ["-s", f"MARSAD_SOURCES={self.registry}"]
        for setting in self.scrapy_settings:
            if setting.partition("=")[0] not in _SECRET_SETTINGS:
                cmd += ["-s", setting]
        return cmd

    def crawl_env(self) -> dict[str, str]:
        """The crawl's environment: the scheduler's, with the database it must write to
        (and a REDIS_URL given to the scheduler with -s)."""
        env = {**os.environ, "MONGO_URI": self.mongo_uri}
        for setting in self.scrapy_settings:
            name, _, value = setting.partition("=")
            if name in _SECRET_SETTINGS and name != "MONGO_URI":
                env[name] = value
        return env

    def _spawn(self, job: Job) -> subprocess.Popen:
        assert job.started_at is not None and job.run_id is not None  # set by _launch
        out = None
        if self.log_dir is not None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            stamp = job.started_at.strftime("%Y%m%dT%H%M%S")
            job.log_file = open(self.log_dir / f"{job.source}-{stamp}-{job.run_id[:8]}.log", "ab")
            out = job.log_file
        # Its own process group, so stopping it also reaches its worker processes.
        return subprocess.Popen(self.crawl_command(job.source, job.run_id), cwd=ROOT,
                                env=self.crawl_env(), stdout=out, stderr=subprocess.STDOUT if out else None,
                                stdin=subprocess.DEVNULL, start_new_session=True)

    def _terminate(self, job: Job, reason: str) -> None:
        job.stop_reason = job.stop_reason or reason
        job.term_sent = time.monotonic()
        try:
            job.process.send_signal(signal.SIGTERM)  # Scrapy closes the spider, flushing the store
        except ProcessLookupError:
            pass

    def _kill(self, job: Job) -> None:
        try:
            os.killpg(job.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        job.stop_reason = (job.stop_reason or "") + "+killed"
        job.process.wait()

    def _finish(self, job: Job, code: int) -> None:
        try:  # leftover workers of the crawl's group
            os.killpg(job.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        log.info("%s: run %s ended with exit code %s%s", job.source, job.run_id, code,
                 f" ({job.stop_reason})" if job.stop_reason else "")
        job.last_code = code
        self._record(job, code)
        self._release(job)

    def _release(self, job: Job) -> None:
        if job.log_file is not None:
            job.log_file.close()
            job.log_file = None
        if job.lease is not None:
            self.heartbeat.remove(job.lease)
            self.heartbeat.lost.discard(job.lease.name)
            job.lease.release()
        job.proc, job.lease = None, None

    def _record(self, job: Job, code: int | None) -> None:
        """Add the scheduler's view to the run's record; write a record of its own when
        the crawl left none (killed, or never started)."""
        finished = self.clock()
        outcome = {None: "not_started", 0: "finished"}.get(code, "crashed")
        fields: dict[str, Any] = {"scheduler": {
            "host": socket.gethostname(), "pid": os.getpid(), "exit_code": code,
            "stop_reason": job.stop_reason, "schedule": job.schedule.text}}
        if job.stop_reason and job.stop_reason.startswith("max_run_time"):
            fields["outcome"] = "timed_out"
        try:
            self.db[RUNS].update_one({"_id": job.run_id}, {
                "$set": fields,
                "$setOnInsert": {"sources": [job.source], "started_at": job.started_at,
                                 "finished_at": finished, "finish_reason": None,
                                 **({} if "outcome" in fields else {"outcome": outcome})},
            }, upsert=True)
        except Exception as exc:  # the database may be what failed
            log.error("%s: could not record run %s: %s", job.source, job.run_id, exc)

    def shutdown(self) -> None:
        """Stop every running crawl (SIGTERM, then SIGKILL after the grace period) and
        release every lease."""
        self.stopping = True
        running = [job for job in self.jobs if job.proc is not None]
        for job in running:
            if job.term_sent is None:
                self._terminate(job, "scheduler_stopped")
        deadline = time.monotonic() + self.kill_grace
        for job in running:
            try:
                job.process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self._kill(job)
            self._finish(job, job.process.returncode)
        self.heartbeat.stop()


def run_once(db: Any, scheduler: Scheduler, source: str) -> int:
    """Run one crawl of ``source`` under its lease; its exit code, or EX_TEMPFAIL."""
    job = next(j for j in scheduler.jobs if j.source == source)
    scheduler.heartbeat.start()
    try:
        scheduler._launch(job, scheduler.clock())
        if job.proc is None:
            return EX_TEMPFAIL
        while job.proc is not None:
            if scheduler.stopping and job.term_sent is None:
                scheduler._terminate(job, "scheduler_stopped")
            scheduler._watch(job)
            time.sleep(0.5)
        return job.last_code if job.last_code is not None else 1
    finally:
        scheduler.shutdown()


# -- command line -------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m crawler.schedule",
                                description="Run each source's crawl on its registry schedule.")
    p.add_argument("--registry", default=os.environ.get("MARSAD_SOURCES"),
                   help="source registry (env MARSAD_SOURCES; default crawler/sources.yaml)")
    p.add_argument("--source", action="append", default=[],
                   help="schedule only this source (repeatable; default: every enabled source with "
                        "a schedule)")
    p.add_argument("--run-once", metavar="ID", help="run one locked crawl of ID now and exit with its code "
                   f"({EX_TEMPFAIL} when it is already running)")
    p.add_argument("--max-run-time", type=float,
                   default=float(os.environ.get("MARSAD_MAX_RUN_TIME", 3 * 3600)),
                   help="seconds before a crawl is stopped (default 10800; 0: no limit)")
    p.add_argument("--jitter", type=float, default=30.0,
                   help="random delay added to each run time, up to S seconds")
    p.add_argument("--lease-ttl", type=float, default=60.0, help="seconds a lease lives without heartbeat")
    p.add_argument("--kill-grace", type=float, default=30.0, help="seconds between SIGTERM and SIGKILL")
    p.add_argument("--tick", type=float, default=1.0, help=argparse.SUPPRESS)
    p.add_argument("--log-dir", help="write each crawl's log to a file here (default: inherit output)")
    p.add_argument("-s", "--set", dest="settings", action="append", default=[], metavar="NAME=VALUE",
                   help="Scrapy setting passed to every crawl")
    add_archive_options(p)
    return p


def _choose(sources: list[Source], wanted: list[str], once: str | None) -> list[Source]:
    if once:
        chosen = select_sources(sources, once)
        # A one-off run needs no schedule; give it a placeholder one.
        return [s if s.schedule else _with_schedule(s, "every 1d") for s in chosen]
    chosen = select_sources(sources, ",".join(wanted) if wanted else None)
    missing = [s.id for s in chosen if not s.schedule]
    if wanted and missing:
        raise SourceRegistryError(f"source registry: entry '{missing[0]}', field 'schedule': "
                                  "is required to schedule this source")
    return [s for s in chosen if s.schedule]


def _with_schedule(source: Source, schedule: str) -> Source:
    return replace(source, schedule=schedule)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=os.environ.get("MARSAD_LOG_LEVEL", "INFO"),
                        format="%(asctime)s [%(name)s] %(levelname)s: %(message)s")
    install_log_redaction()
    for setting in args.settings:
        if "=" not in setting:
            print(f"error: -s expects NAME=VALUE, got {setting!r}", file=sys.stderr)
            return 2
    try:
        sources = _choose(load_sources(args.registry), args.source, args.run_once)
    except SourceRegistryError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not sources:
        print("error: no enabled source has a schedule; add `schedule:` to registry entries "
              "or name sources with --source", file=sys.stderr)
        return 2
    try:
        conn = open_database(args.mongo_uri, args.database, args.data_dir)
    except StorageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    registry = str(Path(args.registry).resolve()) if args.registry else None
    try:
        scheduler = Scheduler(conn.db, conn.uri, args.database, sources, registry=registry,
                              max_run_time=args.max_run_time, jitter=0 if args.run_once else args.jitter,
                              lease_ttl=args.lease_ttl, kill_grace=args.kill_grace, tick=args.tick,
                              scrapy_settings=args.settings, log_dir=args.log_dir)
        signal.signal(signal.SIGTERM, scheduler.request_stop)
        signal.signal(signal.SIGINT, scheduler.request_stop)
        if args.run_once:
            return run_once(conn.db, scheduler, args.run_once)
        for job in scheduler.jobs:
            log.info("%s: schedule %r, first run at %s", job.source, job.schedule.text,
                     job.next_due.strftime("%Y-%m-%d %H:%M:%S"))
        scheduler.run_forever()
        log.info("scheduler stopped")
        return 0
    finally:
        conn.close()


if __name__ == "__main__":
    sys.exit(main())
