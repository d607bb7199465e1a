"""The project installs as a package: its dependencies are requirements.txt's runtime pins,
and the `marsad` command works from any directory (scripts/setup.sh installs it)."""
from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from crawler.commands import COMMANDS, main
from crawling import crawl_env
from fixturesite import FixtureServer

ROOT = Path(__file__).resolve().parent.parent
MARSAD = Path(sys.executable).with_name("marsad")


def _runtime_pins() -> list[str]:
    section, pins = None, []
    for line in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            section = line.lstrip("# ").split()[0].lower()
        elif line.strip() and section == "runtime":
            pins.append(line.strip())
    return pins


def test_pyproject_dependencies_are_the_runtime_pins():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pins = _runtime_pins()
    assert pins and all("==" in p for p in pins)
    assert project["dependencies"] == pins
    assert project["scripts"]["marsad"] == "crawler.commands:main"


def _marsad(*args: str, cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess:
    assert MARSAD.is_file(), f"{MARSAD} is missing: run scripts/setup.sh, which installs the project"
    env = {k: v for k, v in crawl_env().items() if k != "PYTHONPATH"}
    return subprocess.run([str(MARSAD), *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)


def test_marsad_lists_every_command(tmp_path):
    run = _marsad("--help", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    for name in COMMANDS:
        assert f"  {name} " in run.stdout
    unknown = _marsad("nonsense", cwd=tmp_path)
    assert unknown.returncode == 2 and "unknown command" in unknown.stderr


@pytest.mark.parametrize("command", ["runs", "warc", "export", "events", "spool", "schedule", "demo"])
def test_archive_commands_take_the_archive_options(command, capsys):
    with pytest.raises(SystemExit) as done:
        main([command, "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    for option in ("--mongo-uri", "--database", "--data-dir"):
        assert option in out, (command, option)


def test_a_command_runs_from_another_directory(tmp_path):
    run = _marsad("runs", "--help", cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "--last" in run.stdout and "--mongo-uri" in run.stdout


def test_dates_reads_standard_input_anywhere(tmp_path):
    assert MARSAD.is_file(), f"{MARSAD} is missing: run scripts/setup.sh"
    run = subprocess.run([str(MARSAD), "dates"], cwd=tmp_path, capture_output=True, text=True, timeout=60,
                         input='{"text": "2015-05-22", "reference": "2015-05-23T10:00:00+03:00"}\n',
                         env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
    assert run.returncode == 0, run.stderr[-2000:]
    assert '"2015-05-22"' in run.stdout


@pytest.mark.slow
def test_marsad_crawl_runs_from_another_directory(tmp_path, mongo_server, mongo_client):
    database = "packaging_crawl"
    with FixtureServer() as site:
        registry = site.write_sources(tmp_path / "sources.yaml")
        run = _marsad("crawl", "-a", "source=fx-maghreb", "-s", f"MARSAD_SOURCES={registry}",
                      "-s", f"MONGO_URI={mongo_server}", "-s", f"MONGO_DATABASE={database}",
                      "-s", "MARSAD_PROCESS_WORKERS=0", "-s", "MARSAD_EVENTS=False",
                      "-s", "DOWNLOAD_TIMEOUT=3", "-s", f"MARSAD_SPOOL_DIR={tmp_path / 'spool'}",
                      cwd=tmp_path, timeout=240)
    try:
        assert run.returncode == 0, run.stderr[-3000:]
        assert mongo_client[database].articles.count_documents({}) > 0
    finally:
        mongo_client.drop_database(database)
