#!/usr/bin/env bash
# Why: what a Ballista cluster costs or buys against the local engine on the same TPC-H pair: `recon diff` locally,
# then `--cluster` on a one-scheduler, two-executor cluster of this build started on this machine; interleaved runs,
# median wall seconds, and the two reports' summaries checked equal in every run.
# Usage (from the repo root): benches/cluster.sh [SF]   (default 1). Build first: cargo build --profile profiling --features cluster
# recon binary: $RECON_BIN, else ${CARGO_TARGET_DIR:-target}/profiling/recon. RUNS (3) runs of each, interleaved; SLOTS (1)
# tasks per executor. On one machine both executors share its cores: this measures the cluster's overhead, not its scaling.
set -euo pipefail

SF=${1:-1}
RUNS=${RUNS:-3}
SLOTS=${SLOTS:-1}
HERE=$(cd "$(dirname "$0")" && pwd) ROOT=$(cd "$HERE/.." && pwd)
RECON=${RECON_BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/profiling/recon}
[ -x "$RECON" ] || { echo "recon binary not found at $RECON (cargo build --profile profiling --features cluster)" >&2; exit 2; }

DIR=$("$HERE/make_data.sh" "$SF" | tail -n 1)
SRC=$DIR/lineitem.parquet DST=$DIR/lineitem_target.parquet
OUT=$(mktemp -d "${TMPDIR:-/tmp}/recon-cluster.XXXXXX")
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

SCHED=$(port)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
"$RECON" scheduler --bind "127.0.0.1:$SCHED" 2>"$OUT/scheduler.err" & pids+=($!)
for i in 1 2; do
  "$RECON" executor --scheduler "127.0.0.1:$SCHED" --bind "127.0.0.1:$(port)" --grpc-port "$(port)" --slots "$SLOTS" \
    2>"$OUT/executor$i.err" & pids+=($!)
done
sleep 3  # executors register as they start
cat "$SRC" "$DST" >/dev/null  # warm the page cache

run() { # TOOL I
  local cluster=()
  [ "$1" = cluster ] && cluster=(--cluster "df://127.0.0.1:$SCHED")
  local start end
  start=$(date +%s.%N)
  "$RECON" diff "$SRC" "$DST" --key l_orderkey,l_linenumber --format json "${cluster[@]}" >"$OUT/$1.$2.json" 2>"$OUT/$1.$2.err" || true
  end=$(date +%s.%N)
  echo "$end - $start" | bc >"$OUT/$1.$2.seconds"
}
for i in $(seq 1 "$RUNS"); do run local "$i"; run cluster "$i"; done

echo "SF$SF, $RUNS runs each, 2 executors x $SLOTS slots on $(nproc) cores; raw: $OUT"
python3 - "$OUT" "$RUNS" <<'PY'
import json, statistics, sys
out, runs = sys.argv[1], int(sys.argv[2])
median = {}
for tool in ("local", "cluster"):
    median[tool] = statistics.median(float(open(f"{out}/{tool}.{i}.seconds").read()) for i in range(1, runs + 1))
for i in range(1, runs + 1):
    local, cluster = (json.load(open(f"{out}/{t}.{i}.json")) for t in ("local", "cluster"))
    assert local["summary"] == cluster["summary"], f"run {i}: summaries differ"
    assert cluster["engine"]["kind"] == "ballista", cluster.get("engine")
print(f"local   median {median['local']:.2f} s")
print(f"cluster median {median['cluster']:.2f} s  ({median['cluster'] / median['local']:.2f}x local); summaries equal in every run")
PY
