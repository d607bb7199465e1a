#!/usr/bin/env bash
# Set up, then run the test suite. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Debian packages the tests use: redis-server (distributed mode), chromium and
# chromium-driver (the workbench in a real browser), qgis-common (the workbench's offline
# base map, Natural Earth boundaries). Installed when missing and running as root.
need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
[ -f /usr/share/qgis/resources/data/world_map.gpkg ] || need+=(qgis-common)
if [ ${#need[@]} -gt 0 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian packages for the tests: ${need[*]} ..."
    (apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null 2>&1 \
        || { apt-get update -qq >/dev/null 2>&1 \
             && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null 2>&1; }) \
        || echo "note: could not install ${need[*]}; the tests that need them fail in CI, skip elsewhere" >&2
fi
exec .venv/bin/python -m pytest "$@"
