"""Running a real `scrapy crawl news` from tests, as users run it.

Every crawl test goes through these two helpers, so the command line and the
environment a test crawl sees are defined once.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Mapping

ROOT = Path(__file__).resolve().parent.parent

# Variables from the developer's shell that would point a test crawl elsewhere.
_OUTSIDE = ("MONGO_URI", "MARSAD_SOURCES", "MARSAD_SPOOL_DIR", "REDIS_URL", "MARSAD_DATA_DIR")


def crawl_env() -> dict[str, str]:
    """The environment of a test crawl: this one, less what would redirect the crawl."""
    return {k: v for k, v in os.environ.items() if k not in _OUTSIDE}


def scrapy_command(registry: Path | str, *, settings: Mapping[str, Any] | None = None,
                   source: str | None = None, args: tuple[str, ...] = ()) -> list[str]:
    """`scrapy crawl news` over a registry file with `-s NAME=VALUE` for each setting."""
    cmd = [sys.executable, "-m", "scrapy", "crawl", "news"]
    if source:
        cmd += ["-a", f"source={source}"]
    cmd += ["-s", f"MARSAD_SOURCES={registry}"]
    for name, value in (settings or {}).items():
        if value is not None:
            cmd += ["-s", f"{name}={value}"]
    return cmd + list(args)


def run_scrapy(registry: Path, mongo_uri: str | None, database: str, *extra: str,
               data_dir: Path | None = None, timeout: float = 240) -> subprocess.CompletedProcess:
    """A fixture-site crawl with short timeouts, finished, its output captured."""
    cmd = scrapy_command(registry, settings={
        "MONGO_DATABASE": database, "MONGO_URI": mongo_uri, "MONGO_DATA_DIR": data_dir,
        "AUTOTHROTTLE_START_DELAY": 0, "DOWNLOAD_TIMEOUT": 3,
        "MARSAD_PROCESS_WORKERS": 2, "LOG_LEVEL": "INFO",
    }, args=extra)
    return subprocess.run(cmd, cwd=ROOT, env=crawl_env(), capture_output=True, text=True,
                          timeout=timeout)
