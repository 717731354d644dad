#!/usr/bin/env bash
# Builds better-sqlite3 for the Electron runtime into node_modules/.concord-electron/, for the
# desktop app's engine process. The copy in node_modules stays built for Node: `concord serve`,
# the CLI and the tests load that one. (better-sqlite3 is not N-API, so a build for Node does not
# load in Electron; keytar is N-API and loads in both.) Electron's headers come from
# electronjs.org, like the Electron binary itself: run this only where that can be downloaded.
# `npm start` runs it before it opens the desktop app; it does nothing when the build is current.
set -euo pipefail
cd "$(dirname "$0")/.."
electron=$(node -p "require('electron/package.json').version")
sqlite=$(node -p "require('better-sqlite3/package.json').version")
out=node_modules/.concord-electron
stamp="$out/built-for-electron-$electron-better-sqlite3-$sqlite"
if [ -f "$stamp" ] && [ -f "$out/better_sqlite3.node" ]; then exit 0; fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The published package carries its sources (src/, deps/ with the SQLite amalgamation, binding.gyp).
cp -r node_modules/better-sqlite3/. "$work/"
rm -rf "$work/build"
echo "Building better-sqlite3 $sqlite for Electron $electron (about a minute)…"
# Electron's headers, fetched here and named with --nodedir: this machine's npm config may point
# node-gyp at the system's Node headers (nodedir), which would build for Node again.
mkdir -p "$work/headers"
headers_url="https://electronjs.org/headers/v$electron/node-v$electron-headers.tar.gz"
if ! curl -fsSL --retry 2 -o "$work/headers.tar.gz" "$headers_url"; then
  echo "Could not download Electron's headers ($headers_url): the Electron build of better-sqlite3 needs them." >&2
  exit 1
fi
tar -xzf "$work/headers.tar.gz" -C "$work/headers"
(cd "$work" && JOBS="${JOBS:-max}" npx --yes node-gyp@11 rebuild --release \
  --runtime=electron --target="$electron" --nodedir="$work/headers/node_headers")
mkdir -p "$out"
rm -f "$out"/built-for-electron-*
cp "$work/build/Release/better_sqlite3.node" "$out/better_sqlite3.node"
touch "$stamp"
echo "better-sqlite3 for Electron: $out/better_sqlite3.node"
