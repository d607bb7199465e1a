#!/usr/bin/env bash
# Set up, then crawl the bundled fixture news sites into the embedded MongoDB store
# (./data) and print a summary. Extra arguments go to `python -m crawler.demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python -m crawler.demo "$@"
