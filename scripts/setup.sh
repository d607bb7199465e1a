#!/usr/bin/env bash
# Create .venv, install the pinned requirements and the project itself (editable, with
# the `marsad` command); skipped when nothing changed.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
stamp=.venv/.requirements.sha256
want=$(cat requirements.txt pyproject.toml | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ] || [ ! -x .venv/bin/marsad ]; then
  echo "Installing the pinned requirements and the project into .venv ..."
  log=$(mktemp)
  if ! .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt >"$log" 2>&1; then
    cat "$log" >&2
    echo "setup failed: pip could not install requirements.txt (see above)" >&2
    exit 1
  fi
  # The project itself: `marsad` on the PATH of .venv, importable from any directory.
  if ! .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -e . >"$log" 2>&1; then
    cat "$log" >&2
    echo "setup failed: pip could not install the project (see above)" >&2
    exit 1
  fi
  rm -f "$log"
  echo "$want" > "$stamp"
fi
