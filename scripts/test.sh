#!/usr/bin/env bash
# `npm test`: everything, in the order that fails fastest.
#   1. typecheck  2. lint (boundary rules are errors)  3. Electron security scan (electronegativity,
#   offline; findings must be justified in security/)  4. build (electron-vite: main, preload, renderer)
#   5. Vitest, inside a real headless OS keychain  6. Playwright end-to-end in Debian's Chromium
# Property-test volume: CONCORD_PROPERTY_RUNS (CI sets it so at least 1,000 histories run).
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
start=$(date +%s)

step "typecheck"
npx tsc --noEmit -p tsconfig.json

step "lint"
npx eslint --max-warnings=0 .

step "Electron security scan (electronegativity)"
node scripts/electronegativity.mjs

step "build"
npx electron-vite build

step "unit and integration tests (Vitest, real keychain)"
bash scripts/with-keyring.sh npx vitest run

step "end-to-end tests (Playwright, Chromium)"
bash scripts/with-keyring.sh npx playwright test

printf '\nAll tests passed in %ss.\n' "$(( $(date +%s) - start ))"
