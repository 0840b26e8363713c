#!/usr/bin/env bash
# Province scale (issue 11): the demo at 1 and N copies side by side
# (`wangge demo --copies N`), on a SQLite file and on PostgreSQL, each cost
# measured at each size so that its growth can be read as a ratio.
#
#   scripts/bench/province.sh [COPIES ...]            # default: 1 10
#
# For every backend and number of copies, on a fresh database:
#   seed      `wangge demo --copies N --customers C` (generate + store, then place)
#   assign    `wangge assign`: the cell index built and every entity placed again
#   snapshot  the server's in-memory snapshot (examples/index_memory_bench.rs):
#             cell index and tile sources, build time and resident memory
#   edit      a one-cell edit until a second instance holds it, incremental
#             against full rebuild (examples/snapshot_bench.rs)
#   coverage  `wangge coverage -o FILE` (whole territory)
#   tiles     cut-cold p50/p99 per zoom and layer (examples/tile_bench.rs)
#   load      the claims load (scripts/load/run.sh) on the same database
# Each line of $OUT/summary.tsv: backend, copies, customers per copy, step,
# wall seconds, peak resident MiB of the command, load average (1 min) at
# the start, CPU seconds of the command (user + system: the figure that
# holds when other builds share the cores; PostgreSQL's own work is not in
# it), and the command's own figures; full outputs in $OUT/*.log.
#
# Env: BACKENDS (default "sqlite postgres"), CUSTOMERS per copy (default
# 120000; 1206974 is the field's scale), STEPS (default "seed assign snapshot
# edit coverage tiles load"), LOAD_RATES (default 500,1000), LOAD_SECONDS (10),
# OUT (default /tmp/wangge-province), PG (default postgres://postgres@127.0.0.1:5432),
# NO_BUILD=1 to use the binaries already built, KEEP=1 to keep the databases,
# REUSE=1 to measure databases kept by an earlier run (no fresh database;
# leave `seed` out of STEPS).
set -euo pipefail
cd "$(dirname "$0")/../.."

copies_list=("$@")
[ ${#copies_list[@]} -gt 0 ] || copies_list=(1 10)
backends="${BACKENDS:-sqlite postgres}"
customers="${CUSTOMERS:-120000}"
steps="${STEPS:-seed assign snapshot edit coverage tiles load}"
out="${OUT:-/tmp/wangge-province}"
pg="${PG:-postgres://postgres@127.0.0.1:5432}"
mkdir -p "$out"

if [ "${NO_BUILD:-0}" != 1 ]; then
    cargo build --release -q -p wangge-cli
    cargo build --release -q -p wangge-server --example index_memory_bench --example snapshot_bench --example tile_bench --example load
fi
bin=target/release/wangge
summary="$out/summary.tsv"
[ -f "$summary" ] || printf 'backend\tcopies\tcustomers/copy\tstep\twall_s\tpeak_mib\tload1\tcpu_s\tfigures\n' > "$summary"

load1() { cut -d' ' -f1 /proc/loadavg; }

# run NAME LOG CMD...: times CMD with GNU time, appends its line to the summary.
run() {
    local step=$1 log=$2
    shift 2
    local load
    load=$(load1)
    /usr/bin/time -f '%e %M %U %S' -o "$log.time" "$@" > "$log" 2>&1 || {
        echo "FAILED: $* (see $log)" >&2
        tail -5 "$log" >&2
        return 1
    }
    local wall peak_kib user sys
    read -r wall peak_kib user sys < "$log.time"
    local figures
    figures=$(figures_of "$step" "$log")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$backend" "$n" "$customers" "$step" "$wall" \
        "$((peak_kib / 1024))" "$load" "$(echo "$user + $sys" | bc)" "$figures" | tee -a "$summary"
}

# The command's own figures, on one line.
figures_of() {
    local step=$1 log=$2
    case $step in
        seed) grep -E '^(generated in|placed )' "$log" | tr '\n' ';' ;;
        assign) grep -E '^(index of|placed )' "$log" | tr '\n' ';' ;;
        snapshot) grep -E '^(cell index|grid tile|customer dot)' "$log" | tr '\n' ';' ;;
        edit) grep -E '(median|second instance)' "$log" | tr '\n' ';' ;;
        coverage) grep -E 'written to' "$log" | tr '\n' ';' ;;
        tiles) awk '$1 ~ /^(Cells|Grids|Customers|Coverage)$/ { p[$1] = p[$1] " z" $2 "=" $5 } END { for (l in p) printf "%s p99 ms:%s; ", l, p[l] }' "$log" ;;
        load) grep -E '^ +[0-9]+ ' "$log" | awk '{ printf "%s/s: achieved %s p50 %s p99 %s errors %s; ", $1, $2, $3, $5, $8 }' ;;
    esac
}

for backend in $backends; do
    for n in "${copies_list[@]}"; do
        tag="$backend-c$n-k$customers"
        case $backend in
            sqlite)
                [ "${REUSE:-0}" = 1 ] || rm -f "$out/$tag.db"*
                url="sqlite://$out/$tag.db"
                ;;
            postgres)
                name="wangge_province_c${n}_k$customers"
                if [ "${REUSE:-0}" != 1 ]; then
                    dropdb -h 127.0.0.1 -U postgres --if-exists "$name"
                    createdb -h 127.0.0.1 -U postgres "$name"
                fi
                url="$pg/$name"
                ;;
            *) echo "unknown backend $backend" >&2; exit 2 ;;
        esac
        echo "== $backend, $n copies, $customers customers per copy ($(nproc) cores)"
        for step in $steps; do
            log="$out/$tag.$step.log"
            case $step in
                seed) run seed "$log" env RUST_LOG=warn "$bin" --db "$url" demo --copies "$n" --customers "$customers" ;;
                assign) run assign "$log" env RUST_LOG=warn "$bin" --db "$url" assign ;;
                snapshot) run snapshot "$log" target/release/examples/index_memory_bench "$url" 3 ;;
                edit) run edit "$log" target/release/examples/snapshot_bench "$url" ;;
                coverage) run coverage "$log" env RUST_LOG=info "$bin" --db "$url" coverage -o "$out/$tag.coverage.json" ;;
                tiles) run tiles "$log" target/release/examples/tile_bench "$url" ;;
                load) run load "$log" env WANGGE_LOAD_NO_BUILD=1 WANGGE_LOAD_DB="$url" WANGGE_LOAD_DIR="$out/load-$tag" \
                    scripts/load/run.sh "${LOAD_RATES:-500,1000}" "${LOAD_SECONDS:-10}" 64 ;;
                *) echo "unknown step $step" >&2; exit 2 ;;
            esac
        done
        if [ "${KEEP:-0}" != 1 ]; then
            case $backend in
                sqlite) rm -f "$out/$tag.db"* ;;
                postgres) dropdb -h 127.0.0.1 -U postgres --if-exists "$name" ;;
            esac
        fi
    done
done
echo "summary: $summary"
