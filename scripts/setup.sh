#!/usr/bin/env bash
# From a fresh clone to an installed project: system packages (Debian/Ubuntu; needs root or sudo),
# then the npm packages (native modules build from source against the system's Node headers).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-deps.sh
# Node.js is the one thing this script does not install: distributions ship different versions
# (Debian 12's own nodejs is 18, too old), so say exactly what is needed instead of guessing.
if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)' 2>/dev/null; then
  echo "Concord needs Node.js 20.19 or newer with npm (found: $(node --version 2>/dev/null || echo 'no node')). Install it from" >&2
  echo "https://nodejs.org or NodeSource's packages (Debian 13's own nodejs is new enough), then run this again." >&2
  exit 1
fi
# better-sqlite3 and keytar build with node-gyp against /usr/include/node (no header download);
# Electron's and Playwright's own binary downloads are skipped: they cannot work offline, and the
# tests use Debian's Chromium.
export npm_config_nodedir="${npm_config_nodedir:-/usr}" JOBS="${JOBS:-max}"
export ELECTRON_SKIP_BINARY_DOWNLOAD=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
if [ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ]; then
  echo "npm packages: up to date"
else
  npm ci --no-audit --no-fund
fi
