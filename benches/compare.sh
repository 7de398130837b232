#!/usr/bin/env bash
# Why: times `recon diff` against the DuckDB peer (benches/duckdb_diff.py) on the same TPC-H pair, same thread count, and checks both counts.
# Usage (from the repo root): benches/compare.sh [SF]   (default 1). Build recon first: cargo build --profile profiling (release code with line tables, for perf).
# recon binary: $RECON_BIN, else ${CARGO_TARGET_DIR:-target}/profiling/recon. Each tool runs RUNS (3) times, interleaved;
# reports median wall seconds and the largest peak RSS (/usr/bin/time -v) of the runs. Raw outputs are kept in $OUT (printed).
# FORMAT=csv runs both tools on CSV copies of the pair (written once by DuckDB beside the Parquet files).
# FLOOR=1 adds benches/read_floor.rs (pass one's Parquet reading alone, built with `cargo bench`): the part of
# recon's time that is decoding, which no change to recon's own work can remove.
set -euo pipefail

SF=${1:-1}
THREADS=2
RUNS=${RUNS:-3}
HERE=$(cd "$(dirname "$0")" && pwd) ROOT=$(cd "$HERE/.." && pwd)
RECON=${RECON_BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/profiling/recon}

DIR=$("$HERE/make_data.sh" "$SF" | tail -n 1)
SRC=$DIR/lineitem.parquet DST=$DIR/lineitem_target.parquet EXP=$DIR/expected.json
if [ "${FORMAT:-parquet}" = csv ]; then
  for f in "$SRC" "$DST"; do
    if [ ! -s "${f%.parquet}.csv" ] || [ "$f" -nt "${f%.parquet}.csv" ]; then
      python3 -c 'import duckdb, sys; duckdb.sql(f"COPY (SELECT * FROM read_parquet(\x27{sys.argv[1]}\x27)) TO \x27{sys.argv[2]}\x27 (HEADER true)")' "$f" "${f%.parquet}.csv.tmp"
      mv "${f%.parquet}.csv.tmp" "${f%.parquet}.csv"
    fi
  done
  SRC=${SRC%.parquet}.csv DST=${DST%.parquet}.csv
fi
if [ ! -x /usr/bin/time ]; then apt-get update -qq && apt-get install -y -qq time >/dev/null; fi
OUT=$(mktemp -d "${TMPDIR:-/tmp}/recon-compare.XXXXXX")

tools=(duckdb)
if [ -x "$RECON" ]; then tools=(recon duckdb); else echo "recon binary not found at $RECON (set RECON_BIN or build it); running DuckDB only" >&2; fi
if [ "${FLOOR:-0}" = 1 ]; then
  FLOOR_BIN=$(cd "$ROOT" && cargo bench --bench read_floor --no-run 2>&1 | sed -n 's/.*Executable .*(\(.*\)).*/\1/p')
  [ -x "$FLOOR_BIN" ] || { echo "cannot build benches/read_floor.rs" >&2; exit 2; }
  tools+=(floor)
fi

load_before=$(cut -d" " -f1-3 /proc/loadavg)  # other work on the machine skews timings: reported below
cat "$SRC" "$DST" >/dev/null  # warm the page cache so no tool pays for the first disk read

# run TOOL I: one timed run; stdout (JSON) -> $OUT/TOOL.I.json, stderr -> .err, /usr/bin/time -v report -> .time
run() {
  local cmd
  case $1 in
    recon) cmd=(env RAYON_NUM_THREADS=$THREADS "$RECON" diff "$SRC" "$DST" --key l_orderkey,l_linenumber --format json) ;;
    duckdb) cmd=(python3 "$HERE/duckdb_diff.py" "$SRC" "$DST" --threads $THREADS) ;;
    floor) cmd=(env RAYON_NUM_THREADS=$THREADS "$FLOOR_BIN" "$SRC" "$DST") ;;
  esac
  # a diff tool may exit non-zero when it finds differences: keep going, the counts are checked below
  /usr/bin/time -v -o "$OUT/$1.$2.time" "${cmd[@]}" >"$OUT/$1.$2.json" 2>"$OUT/$1.$2.err" || true
}
for i in $(seq 1 "$RUNS"); do for t in "${tools[@]}"; do run "$t" "$i"; done; done

echo "SF$SF ${FORMAT:-parquet}, threads=$THREADS, $RUNS runs each, load average before: $load_before, after: $(cut -d" " -f1-3 /proc/loadavg); raw: $OUT"
python3 - "$OUT" "$EXP" "$RUNS" "${tools[@]}" <<'EOF'
# Summarise the runs: median wall time, max peak RSS, ratio to DuckDB, counts == expected.json in every run.
import json, re, statistics, sys
out, exp, runs, tools = sys.argv[1], json.load(open(sys.argv[2])), int(sys.argv[3]), sys.argv[4:]

def wall(text):  # "Elapsed (wall clock) time (h:mm:ss or m:ss): 1:02.34"
    secs = 0.0
    for part in re.search(r"Elapsed \(wall clock\) time.*: ([\d:.]+)", text).group(1).split(":"):
        secs = secs * 60 + float(part)
    return secs

rows = {}
for t in tools:
    times, rss, ok = [], [], True
    for i in range(1, runs + 1):
        report = open(f"{out}/{t}.{i}.time").read()
        times.append(wall(report))
        rss.append(int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", report).group(1)) / 1024)
        try:
            got = json.load(open(f"{out}/{t}.{i}.json"))
            if t == "floor":  # it classifies nothing: it must have read every row of both sides
                ok = ok and got["rows"] == exp["source_rows"] + exp["target_rows"]
                continue
            got = got["summary"] if t == "recon" else got
            ok = ok and all(got.get(k) == v for k, v in exp.items())
        except (ValueError, KeyError, TypeError):
            ok = False
    rows[t] = (statistics.median(times), max(rss), ok)

base = rows["duckdb"][0]
print("| tool | median s | peak RSS MB | x DuckDB | counts correct |")
print("|---|---:|---:|---:|---|")
for t, (sec, mb, ok) in rows.items():
    print(f"| {t} | {sec:.2f} | {mb:.0f} | {sec / base:.2f} | {'yes' if ok else 'no'} |")
EOF
