#!/usr/bin/env bash
# Runs a command with a real OS keychain: a private D-Bus session and a gnome-keyring Secret
# Service unlocked with a throwaway password, in a fresh folder removed afterwards
# (a reused keyring folder with another password would be locked).
# Usage: scripts/with-keyring.sh <command…>
set -euo pipefail
if ! command -v dbus-run-session >/dev/null || ! command -v gnome-keyring-daemon >/dev/null; then
  echo "with-keyring: dbus-run-session or gnome-keyring-daemon is missing — run: sudo bash scripts/install-system-deps.sh" >&2
  if [ "${CI:-}" = "true" ]; then exit 1; fi
  exec "$@"
fi
KR=$(mktemp -d -t concord-keyring-XXXXXX)
trap 'rm -rf "$KR"' EXIT
mkdir -p "$KR/data" "$KR/run"
chmod 700 "$KR/run"
export XDG_DATA_HOME="$KR/data" XDG_RUNTIME_DIR="$KR/run"
# The inner shell unlocks the keyring, then runs the command; its exit code is ours.
dbus-run-session -- bash -c 'echo -n concord-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null && exec "$@"' with-keyring "$@"
