#!/usr/bin/env bash
# Point location throughput, wangge against shapely 2, on one machine in one run:
# builds the release CLI, seeds the demo territory into a temporary SQLite
# database, exports its cells as GeoJSON and runs scripts/bench/shapely_locate.py
# on N random points (default 10,000,000) in the territory's box.
#
# Usage: scripts/bench/run_locate_comparison.sh [N] [extra shapely_locate.py args]
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
POINTS="${1:-10000000}"
shift || true

cd "$ROOT"
python3 -c 'import shapely, numpy; assert int(shapely.__version__.split(".")[0]) >= 2' 2>/dev/null \
    || python3 -m pip install --quiet 'shapely>=2' numpy

cargo build --release -p wangge-cli
TARGET_DIR="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
WANGGE="$TARGET_DIR/release/wangge"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/wangge-locate-XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
DB="sqlite://$WORK/demo.db"

"$WANGGE" --db "$DB" demo --customers 0 >/dev/null
"$WANGGE" --db "$DB" export cells --format geojson -o "$WORK/cells.geojson"

python3 "$ROOT/scripts/bench/shapely_locate.py" \
    --cells "$WORK/cells.geojson" --wangge "$WANGGE" --db "$DB" \
    --points "$POINTS" --work "$WORK" "$@"
