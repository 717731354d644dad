#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages Concord needs to build and test:
#   python3 make g++ pkg-config  – node-gyp builds better-sqlite3 and keytar from source
#   libsecret-1-dev              – keytar's link to the OS keychain (Secret Service)
#   gnome-keyring dbus           – a real Secret Service, started headless for the keychain tests (dbus-run-session)
#   chromium                     – the browser the end-to-end tests drive (Playwright never downloads one)
#   xvfb xauth                   – optional headed browser runs
#   curl                         – fetches Electron's headers for the desktop app's SQLite build (npm start)
#   postgresql-15                – the real PostgreSQL server the connector tests start as throwaway clusters
#                                  (any installed /usr/lib/postgresql/*/bin/initdb counts; else `postgresql`)
# Run as root (or with sudo). Safe to run again.
set -euo pipefail
PKGS=(python3 make g++ pkg-config libsecret-1-dev gnome-keyring dbus chromium xvfb xauth curl)
missing=()
for p in "${PKGS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
# Any installed PostgreSQL major version will do (the tests find /usr/lib/postgresql/*/bin).
need_pg=0; compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || need_pg=1
if [ ${#missing[@]} -eq 0 ] && [ $need_pg -eq 0 ]; then echo "system packages: all present"; exit 0; fi
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
$SUDO apt-get update -qq
if [ $need_pg -eq 1 ]; then
  # Debian 12 ships 15; elsewhere take the distribution's default major version.
  if apt-cache show postgresql-15 >/dev/null 2>&1; then missing+=(postgresql-15); else missing+=(postgresql); fi
fi
echo "installing: ${missing[*]}"
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
