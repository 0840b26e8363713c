#!/usr/bin/env bash
# Load test of the claims and read API (issue 6; two servers: issue 11).
#
# Builds the release binary and the load generator, seeds the demo into a
# fresh SQLite file (or uses the database given), serves it with one or
# more `wangge serve` processes, and drives mixed claims and reads at
# increasing rates (crates/wangge-server/examples/load.rs), printing
# throughput and p50/p90/p99 latency per rate. With two or more servers the
# connections are split between them and every claim or release made
# through one is checked on the next within one second (`stale` column).
# Stops the servers at the end.
#
#   scripts/load/run.sh [RATES] [SECONDS] [CONNECTIONS]
#   scripts/load/run.sh 500,1000,2000,3000,4000 10 64
#   WANGGE_LOAD_SERVERS=2 WANGGE_LOAD_DB=postgres://postgres@127.0.0.1:5432/load scripts/load/run.sh
#
# Env: WANGGE_LOAD_PORT (default 18190; server k listens on PORT+k),
# WANGGE_LOAD_DIR (default /tmp/wangge-load), WANGGE_LOAD_DB (a database
# URL to use instead of the SQLite file; seeded with the demo when it holds
# no grid, with WANGGE_LOAD_CUSTOMERS customers, default 120000), WANGGE_LOAD_SERVERS (default 1), WANGGE_LOAD_REUSE=1 to keep an
# already seeded SQLite file, WANGGE_LOAD_NO_BUILD=1 to use the binaries
# already in target/release.
set -euo pipefail
cd "$(dirname "$0")/../.."

rates="${1:-500,1000,2000,3000,4000}"
seconds="${2:-10}"
connections="${3:-64}"
port="${WANGGE_LOAD_PORT:-18190}"
dir="${WANGGE_LOAD_DIR:-/tmp/wangge-load}"
servers="${WANGGE_LOAD_SERVERS:-1}"

if [ "${WANGGE_LOAD_NO_BUILD:-0}" != 1 ]; then
    cargo build --release -q -p wangge-cli
    cargo build --release -q -p wangge-server --example load
fi
mkdir -p "$dir"
if [ -n "${WANGGE_LOAD_DB:-}" ]; then
    db="$WANGGE_LOAD_DB"
    if ! RUST_LOG=warn target/release/wangge --db "$db" demo --customers "${WANGGE_LOAD_CUSTOMERS:-120000}" > "$dir/demo.log" 2>&1; then
        grep -Eq "already holds (a grid|the complete demo)" "$dir/demo.log" || { cat "$dir/demo.log" >&2; exit 1; }
        echo "using the database as it is (it holds a grid already)"
    fi
else
    db="sqlite://$dir/load.db"
    if [ "${WANGGE_LOAD_REUSE:-0}" = 1 ] && [ -f "$dir/load.db" ]; then
        echo "reusing $dir/load.db (the load managers' cells are released first)"
    else
        rm -f "$dir"/load.db*
        RUST_LOG=warn target/release/wangge --db "$db" demo > "$dir/demo.log"
    fi
fi

pids=()
bases=()
stop() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop EXIT
for k in $(seq 0 $((servers - 1))); do
    p=$((port + k))
    RUST_LOG=warn target/release/wangge --db "$db" serve --bind "127.0.0.1:$p" > "$dir/serve-$k.log" 2>&1 &
    pids+=("$!")
    bases+=("http://127.0.0.1:$p")
done
for base in "${bases[@]}"; do
    for _ in $(seq 1 300); do
        curl -sf "$base/healthz" > /dev/null && break
        sleep 0.2
    done
    curl -sf "$base/healthz" > /dev/null || { echo "$base did not start" >&2; cat "$dir"/serve-*.log >&2; exit 1; }
done

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); $servers server(s) on $(echo "$db" | sed -E 's#//[^@/]*@#//#')"
target/release/examples/load --base "$(IFS=,; echo "${bases[*]}")" --db "$db" \
    --rates "$rates" --seconds "$seconds" --connections "$connections" \
    --server-pid "$(IFS=,; echo "${pids[*]}")"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
