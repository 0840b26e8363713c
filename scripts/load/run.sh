#!/usr/bin/env bash
# Load test of the claims and read API on the SQLite build (issue 6).
#
# Builds the release binary and the load generator, seeds the demo into a
# fresh SQLite file, serves it, and drives mixed claims and reads at
# increasing rates (crates/wangge-server/examples/load.rs), printing
# throughput and p50/p90/p99 latency per rate. Stops the server at the end.
#
#   scripts/load/run.sh [RATES] [SECONDS] [CONNECTIONS]
#   scripts/load/run.sh 500,1000,2000,3000,4000 10 64
#
# Env: WANGGE_LOAD_PORT (default 18190), WANGGE_LOAD_DIR (default /tmp/wangge-load),
# WANGGE_LOAD_REUSE=1 to keep an already seeded database, WANGGE_LOAD_NO_BUILD=1
# to use the binaries already in target/release.
set -euo pipefail
cd "$(dirname "$0")/../.."

rates="${1:-500,1000,2000,3000,4000}"
seconds="${2:-10}"
connections="${3:-64}"
port="${WANGGE_LOAD_PORT:-18190}"
dir="${WANGGE_LOAD_DIR:-/tmp/wangge-load}"
db="sqlite://$dir/load.db"

if [ "${WANGGE_LOAD_NO_BUILD:-0}" != 1 ]; then
    cargo build --release -q -p wangge-cli
    cargo build --release -q -p wangge-server --example load
fi
mkdir -p "$dir"
if [ "${WANGGE_LOAD_REUSE:-0}" = 1 ] && [ -f "$dir/load.db" ]; then
    echo "reusing $dir/load.db (the load managers' cells are released first)"
else
    rm -f "$dir"/load.db*
    RUST_LOG=warn target/release/wangge --db "$db" demo > "$dir/demo.log"
fi

RUST_LOG=warn target/release/wangge --db "$db" serve --bind "127.0.0.1:$port" > "$dir/serve.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$port/healthz" > /dev/null && break
    sleep 0.2
done

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
target/release/examples/load --base "http://127.0.0.1:$port" --db "$db" \
    --rates "$rates" --seconds "$seconds" --connections "$connections" --server-pid "$server"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
