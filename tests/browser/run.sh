#!/bin/sh
# Installs the pinned test dependencies and runs the browser test against a
# running wangge server: BASE_URL (default http://127.0.0.1:8080), e.g.
#   cargo run --release -- serve --demo &   then   tests/browser/run.sh
# CHROMIUM overrides the browser path (default /usr/bin/chromium).
set -eu
cd "$(dirname "$0")"
: "${BASE_URL:=http://127.0.0.1:8080}"
export BASE_URL
if [ ! -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
  echo "run.sh: no Chromium at ${CHROMIUM:-/usr/bin/chromium} (apt-get install chromium)" >&2
  exit 2
fi
npm ci --no-audit --no-fund
node --test --test-concurrency=1 *.test.mjs
