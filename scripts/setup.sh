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
  .venv/bin/python -m pip install --quiet --upgrade pip 2>&1 | grep -v "is ignored" || true
  .venv/bin/python -m pip install --quiet -r requirements.txt 2>&1 | grep -v "is ignored" || true
  .venv/bin/python -c "import scrapy, trafilatura, dateparser, pymongo, secantus" \
    || { echo "setup failed: the requirements did not install" >&2; exit 1; }
  echo "$want" > "$stamp"
fi
