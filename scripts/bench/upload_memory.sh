#!/bin/sh
# Peak server memory (VmHWM of a release `wangge serve`, from /proc) for
# geocoding uploads and downloads (issue 12, point 7):
#   1. a 200 MB upload that is one line (refused with 413 after 64 KiB);
#   2. a 200 MB upload of rows (accepted: streamed into the database);
#   3. four parallel downloads of the result of a 1.2 M-row job.
# Each on a fresh server process, so each peak is its own.
#   scripts/bench/upload_memory.sh [target/release/wangge] [ROWS]
set -eu
BIN=${1:-target/release/wangge}
ROWS=${2:-1200000}
WORK=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
DB="sqlite://$WORK/w.db"
PASS='upload memory bench'
"$BIN" --db "$DB" user add clerk --role clerk --password "$PASS" >/dev/null

start() {
  "$BIN" --db "$DB" serve --bind 127.0.0.1:0 >"$WORK/serve.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 100); do
    ADDR=$(sed -n 's|.*http://\([^/]*\)/.*|\1|p' "$WORK/serve.log" | head -1)
    [ -n "$ADDR" ] && break
    sleep 0.1
  done
  TOKEN=$(curl -s "http://$ADDR/api/v1/auth/login" -H 'content-type: application/json' \
    -d "{\"name\":\"clerk\",\"password\":\"$PASS\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
}
hwm() { awk '/VmHWM/ {printf "%.1f MiB", $2 / 1024}' "/proc/$SERVER/status"; }
rss() { awk '/VmRSS/ {printf "%.1f MiB", $2 / 1024}' "/proc/$SERVER/status"; }
stop() { kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; }
upload() {
  curl -s -o "$WORK/answer" -w '%{http_code}' -H "authorization: Bearer $TOKEN" \
    -H 'content-type: text/csv' --data-binary @"$1" "http://$ADDR/api/v1/geocode/jobs" || true
}

python3 - "$WORK" "$ROWS" <<'EOF'
import sys
work, rows = sys.argv[1], int(sys.argv[2])
with open(f"{work}/one_line.csv", "wb") as f:
    f.write(b"address,")
    block = b"x" * (1 << 20)
    for _ in range(200):
        f.write(block)
line = "甲,湖北省十堰市张湾区车城路{}号\n"
with open(f"{work}/rows200.csv", "w", encoding="utf-8") as f:
    f.write("客户,地址\n")
    i, size = 0, 0
    while size < 200 << 20:
        text = line.format(i)
        f.write(text)
        size += len(text.encode())
        i += 1
with open(f"{work}/job.csv", "w", encoding="utf-8") as f:
    f.write("客户,地址\n")
    for i in range(rows):
        f.write(line.format(i))
EOF

start
echo "idle server: peak $(hwm)"
code=$(upload "$WORK/one_line.csv")
echo "200 MB on one line: HTTP $code, peak $(hwm) ($(head -c 160 "$WORK/answer"))"
stop

start
code=$(upload "$WORK/rows200.csv")
echo "200 MB of rows ($(wc -l <"$WORK/rows200.csv") lines): HTTP $code, peak $(hwm)"
id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$WORK/answer")
curl -s -o /dev/null -X POST -H "authorization: Bearer $TOKEN" "http://$ADDR/api/v1/geocode/jobs/$id/cancel"
stop

start
code=$(upload "$WORK/job.csv")
id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$WORK/answer")
echo "job of $ROWS rows: HTTP $code, id $id"
while :; do
  state=$(curl -s -H "authorization: Bearer $TOKEN" "http://$ADDR/api/v1/geocode/jobs/$id" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])')
  [ "$state" = done ] && break
  case $state in queued|running) sleep 2 ;; *) echo "job $state"; exit 1 ;; esac
done
echo "job done: peak $(hwm) while running"
stop
start
echo "fresh server: peak $(hwm), now $(rss)"
PIDS=
for n in 1 2 3 4; do
  curl -s -o "$WORK/result$n.csv" -H "authorization: Bearer $TOKEN" \
    "http://$ADDR/api/v1/geocode/jobs/$id/result" &
  PIDS="$PIDS $!"
done
CODES=
for p in $PIDS; do
  if wait "$p"; then CODES="$CODES ok"; else CODES="$CODES curl-exit-$?"; fi
done
echo "downloads:$CODES"
echo "4 parallel downloads of $(du -m "$WORK/result1.csv" | cut -f1) MB each: peak $(hwm); rows $(wc -l <"$WORK/result1.csv") per file"
stop
