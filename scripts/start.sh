#!/usr/bin/env bash
# One command from a fresh clone to the running app:
#   the desktop app where a display exists and the Electron binary can be fetched;
#   otherwise (or with --serve) the headless server, whose printed address opens the UI in a browser.
# Extra arguments go to `concord serve` (e.g. --port 5199 --data-dir ./data).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npx electron-vite build
mode=desktop
if [ "${1:-}" = "--serve" ]; then mode=serve; shift; fi
if [ $mode = desktop ] && [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  echo "No display: starting Concord headless instead of the desktop app."; mode=serve
fi
if [ $mode = desktop ]; then
  if timeout 300 node node_modules/electron/install.js >/dev/null 2>&1; then
    # The engine process loads better-sqlite3, which must be built for Electron's runtime.
    if bash scripts/build-electron-native.sh; then exec npx electron .; fi
    echo "better-sqlite3 could not be built for Electron (see above): starting Concord headless instead."
  else
    echo "The Electron binary could not be downloaded here: starting Concord headless instead."
  fi
fi
exec node out/main/cli.js serve "$@"
