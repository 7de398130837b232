#!/usr/bin/env bash
# Why: how much reading from an S3-compatible store costs against local disk: `recon diff` of the TPC-H lineitem
# pair (benches/make_data.sh) read from a local `s3s-fs` server (Rust, not the bottleneck; moto is single-threaded
# Python) and from the same files on disk, interleaved runs, median wall seconds; then the bytes the server sent
# and the GET requests it answered (counted by a proxy, in separate runs) with and without `--columns`, against the
# objects' size, and for the source against itself (no row read back).
# Usage (from the repo root): benches/object_stores.sh [SF]   (default 1). Needs `s3s-fs` (cargo install s3s-fs
# --features binary, outside the repo; or S3S_FS=/path/to/s3s-fs) and a recon release build:
# $RECON_BIN, else ${CARGO_TARGET_DIR:-target}/profiling/recon (cargo build --profile profiling).
# PIN=1 runs the server on the last core and recon (local and S3 runs alike) on the others, as a real store has
# machines of its own: on two cores the server otherwise takes as much CPU as recon (serving ~0.9 GB).
set -euo pipefail

SF=${1:-1}
THREADS=2
SERVER_CPU=() RECON_CPU=()
if [ "${PIN:-0}" = 1 ]; then
  last=$(($(nproc) - 1))
  SERVER_CPU=(taskset -c "$last") RECON_CPU=(taskset -c "0-$((last > 1 ? last - 1 : 0))")
fi
RUNS=${RUNS:-3}
HERE=$(cd "$(dirname "$0")" && pwd) ROOT=$(cd "$HERE/.." && pwd)
RECON=${RECON_BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/profiling/recon}
S3S=${S3S_FS:-s3s-fs}
[ -x "$RECON" ] || { echo "recon binary not found at $RECON (set RECON_BIN or build it)" >&2; exit 2; }
command -v "$S3S" >/dev/null || { echo "s3s-fs not found (cargo install s3s-fs --features binary, or S3S_FS=)" >&2; exit 2; }

DIR=$("$HERE/make_data.sh" "$SF" | tail -n 1)
OUT=$(mktemp -d "${TMPDIR:-/tmp}/recon-object-stores.XXXXXX")
# s3s-fs serves a directory: its subdirectories are buckets. The pair is uploaded through its S3 API (below), not
# copied in: a file placed there has no stored ETag, and s3s-fs then hashes the whole file on every request.
mkdir -p "$OUT/store"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
PORT=$(free_port)
"${SERVER_CPU[@]}" "$S3S" --host 127.0.0.1 --port "$PORT" --access-key bench --secret-key bench-secret-key "$OUT/store" >"$OUT/s3s.log" 2>&1 &
S3S_PID=$!
PROXY_PID=
trap 'kill $S3S_PID $PROXY_PID 2>/dev/null || true' EXIT
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done
SIGN=(--fail --silent --show-error --aws-sigv4 "aws:amz:us-east-1:s3" --user bench:bench-secret-key
  -H "x-amz-content-sha256: UNSIGNED-PAYLOAD")
curl "${SIGN[@]}" -X PUT "http://127.0.0.1:$PORT/bench" >/dev/null
for f in lineitem.parquet lineitem_target.parquet; do
  curl "${SIGN[@]}" -T "$DIR/$f" "http://127.0.0.1:$PORT/bench/$f" >/dev/null
done

# recon ENDPOINT SRC DST [ARGS…]: one diff, both sides' storage options pointing at ENDPOINT.
s3_options() {
  for side in --source-storage-option --target-storage-option; do
    printf '%s\n' "$side" "endpoint=$1" "$side" allow_http=true "$side" region=us-east-1 \
      "$side" access_key_id=bench "$side" secret_access_key=bench-secret-key
  done
}
mapfile -t S3_OPTIONS < <(s3_options "http://127.0.0.1:$PORT")
KEY=(--key l_orderkey,l_linenumber --format json)
run() { # NAME I SRC DST [ARGS…]: one timed run
  local name=$1 i=$2; shift 2
  local start end
  start=$(date +%s.%N)
  "${RECON_CPU[@]}" env RAYON_NUM_THREADS=$THREADS "$RECON" diff "$@" >"$OUT/$name.$i.json" 2>"$OUT/$name.$i.err" || true
  end=$(date +%s.%N)
  echo "$end - $start" | bc >"$OUT/$name.$i.time"
}
cat "$DIR/lineitem.parquet" "$DIR/lineitem_target.parquet" >/dev/null # page cache warm for both: s3s-fs reads the same files
for i in $(seq 1 "$RUNS"); do
  run local "$i" "$DIR/lineitem.parquet" "$DIR/lineitem_target.parquet" "${KEY[@]}"
  run s3 "$i" s3://bench/lineitem.parquet s3://bench/lineitem_target.parquet "${KEY[@]}" "${S3_OPTIONS[@]}"
done

# Bytes the server sends, through a counting proxy (its own runs: the proxy is Python and would slow the timing);
# BYTES=0 leaves them out.
ALL=0 SOME=0
if [ "${BYTES:-1}" = 1 ]; then
PROXY_PORT=$(free_port)
python3 - "$PROXY_PORT" "$PORT" "$OUT/bytes" <<'EOF' &
# A TCP proxy counting the bytes the server sends and the GET requests it is sent; the running totals are written
# to the files OUT and OUT.requests on every piece.
import socket, sys, threading
listen, target, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
total, requests, lock = [0], [0], threading.Lock()
def pipe(a, b, count):
    try:
        while data := a.recv(1 << 16):
            with lock:
                if count:
                    total[0] += len(data)
                    open(out, "w").write(str(total[0]))
                elif data.count(b"GET /"):
                    requests[0] += data.count(b"GET /")
                    open(out + ".requests", "w").write(str(requests[0]))
            b.sendall(data)
    except OSError:
        pass
    finally:
        b.close()
server = socket.socket(); server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", listen)); server.listen(64)
while True:
    client, _ = server.accept()
    upstream = socket.create_connection(("127.0.0.1", target))
    threading.Thread(target=pipe, args=(client, upstream, False), daemon=True).start()
    threading.Thread(target=pipe, args=(upstream, client, True), daemon=True).start()
EOF
PROXY_PID=$!
echo 0 >"$OUT/bytes"
echo 0 >"$OUT/bytes.requests"
sleep 1
mapfile -t PROXY_OPTIONS < <(s3_options "http://127.0.0.1:$PROXY_PORT")
fetched() { # TARGET ARGS…: bytes the server sent for one diff of lineitem.parquet against TARGET (the proxy's
  local before target=$1 # total keeps running: the difference)
  shift
  before=$(cat "$OUT/bytes") asked=$(cat "$OUT/bytes.requests")
  RAYON_NUM_THREADS=$THREADS "$RECON" diff s3://bench/lineitem.parquet "s3://bench/$target" \
    "${KEY[@]}" "${PROXY_OPTIONS[@]}" "$@" >/dev/null 2>&1 || true
  echo "$target ${*:-(all columns)}: $(($(cat "$OUT/bytes.requests") - asked)) GET requests" >>"$OUT/requests"
  echo $(($(cat "$OUT/bytes") - before))
}
ALL=$(fetched lineitem_target.parquet)
SOME=$(fetched lineitem_target.parquet --columns l_orderkey,l_linenumber,l_quantity)
# The source against itself: no row differs, so nothing is read back (the floor: each object once).
SAME=$(fetched lineitem.parquet)
fi
SIZE=$(($(stat -c %s "$DIR/lineitem.parquet") + $(stat -c %s "$DIR/lineitem_target.parquet")))

echo "SF$SF lineitem pair, threads=$THREADS, pinned=${PIN:-0}, $RUNS interleaved runs each, load average $(cut -d" " -f1-3 /proc/loadavg); raw: $OUT"
python3 - "$OUT" "$RUNS" "$ALL" "$SOME" "$SIZE" "${SAME:-0}" "$(stat -c %s "$DIR/lineitem.parquet")" <<'EOF'
import json, statistics, sys
out, runs, every, some, size, same, source = sys.argv[1], int(sys.argv[2]), *map(int, sys.argv[3:])
median = {}
for name in ("local", "s3"):
    median[name] = statistics.median(float(open(f"{out}/{name}.{i}.time").read()) for i in range(1, runs + 1))
    summaries = {json.dumps(json.load(open(f"{out}/{name}.{i}.json"))["summary"], sort_keys=True) for i in range(1, runs + 1)}
    assert len(summaries) == 1, f"{name}: runs disagree"
    median[name + "_summary"] = summaries.pop()
assert median["local_summary"] == median["s3_summary"], "s3 and local reports differ"
print("| read from | median s | x local |")
print("|---|---:|---:|")
for name in ("local", "s3"):
    print(f"| {name} | {median[name]:.2f} | {median[name] / median['local']:.2f} |")
if every:
  print(f"bytes fetched for both objects ({size:,} bytes): all columns {every:,} ({every / size:.2f}x), "
        f"--columns l_orderkey,l_linenumber,l_quantity {some:,} ({some / size:.2f}x); "
        f"lineitem.parquet against itself {same:,} ({same / (2 * source):.2f}x of twice its {source:,} bytes)")
EOF
[ ! -f "$OUT/requests" ] || cat "$OUT/requests"
