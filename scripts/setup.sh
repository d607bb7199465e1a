#!/usr/bin/env bash
# Create .venv and install the pinned requirements; skipped when nothing changed.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
stamp=.venv/.requirements.sha256
want=$(sha256sum requirements.txt | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "Installing the pinned requirements into .venv ..."
  log=$(mktemp)
  if ! .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt >"$log" 2>&1; then
    cat "$log" >&2
    echo "setup failed: pip could not install requirements.txt (see above)" >&2
    exit 1
  fi
  rm -f "$log"
  echo "$want" > "$stamp"
fi
