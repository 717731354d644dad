#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages Concord needs to build and test:
#   python3 make g++ pkg-config  – node-gyp builds better-sqlite3 and keytar from source
#   libsecret-1-dev              – keytar's link to the OS keychain (Secret Service)
#   gnome-keyring dbus           – a real Secret Service, started headless for the keychain tests (dbus-run-session)
#   chromium                     – the browser the end-to-end tests drive (Playwright never downloads one)
#   xvfb xauth                   – optional headed browser runs
#   curl                         – fetches Electron's headers for the desktop app's SQLite build (npm start)
#   mariadb-server               – throwaway MariaDB servers for the MySQL connector's tests (own block below)
#   radicale                     – the real CardDAV server the CardDAV connector's tests start on free ports
#   vdirsyncer                   – the peer `npm run bench` compares the vCard-folder connector with
#   postgresql-15                – the real PostgreSQL server the connector tests start as throwaway clusters
#                                  (any installed /usr/lib/postgresql/*/bin/initdb counts; else `postgresql`)
# Run as root (or with sudo). Safe to run again.
set -euo pipefail

# MariaDB 10.11 for the MySQL connector's tests, which start their own throwaway servers on free
# ports (src-main/engine/testing/mariadb-server.ts). Debian's postinst starts and enables a system
# server on 3306: stopped and disabled right after the install, so none runs behind the tests' backs.
if ! dpkg -s mariadb-server >/dev/null 2>&1; then
  SUDO_DB=""; [ "$(id -u)" -ne 0 ] && SUDO_DB="sudo"
  echo "installing: mariadb-server"
  $SUDO_DB apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO_DB apt-get install -y -qq --no-install-recommends mariadb-server
  if [ -d /run/systemd/system ]; then $SUDO_DB systemctl disable --now mariadb >/dev/null 2>&1 || true
  else $SUDO_DB service mariadb stop >/dev/null 2>&1 || true; fi
fi

PKGS=(python3 make g++ pkg-config libsecret-1-dev gnome-keyring dbus chromium xvfb xauth curl radicale vdirsyncer)
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
