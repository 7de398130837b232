#!/usr/bin/env bash
# Why: makes the recon benchmark inputs: TPC-H lineitem at scale factor SF plus a defective copy and its exact expected counts.
# Usage (from the repo root): benches/make_data.sh [SF]   (default 1; SF1 = 6,001,215 rows, SF10 = ~60M)
# Output: ${RECON_BENCH_DIR:-$HOME/.cache/recon-bench}/sf$SF/{lineitem.parquet,lineitem_target.parquet,expected.json}
# Needs the bench-only PyPI tools tpchgen-cli, pyarrow, duckdb (installed with pip if missing). Defect knobs: RATE, SEED.
# MISMATCHED=N: a variant in sf$SF-mismatched$N/ whose target differs only in N changed rows (the source is shared).
set -euo pipefail

SF=${1:-1}
DIR=${RECON_BENCH_DIR:-$HOME/.cache/recon-bench}/sf$SF${MISMATCHED:+-mismatched$MISMATCHED}
SOURCE_DIR=${RECON_BENCH_DIR:-$HOME/.cache/recon-bench}/sf$SF
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$DIR"

command -v tpchgen-cli >/dev/null || python3 -m pip install --quiet tpchgen-cli
python3 -c 'import pyarrow, duckdb' 2>/dev/null || python3 -m pip install --quiet pyarrow duckdb

# Source: tpchgen's default parquet (SNAPPY, ~7 MiB row groups), written to a temp dir then moved, so a killed run leaves no half file.
if [ -n "${MISMATCHED:-}" ] && [ -s "$SOURCE_DIR/lineitem.parquet" ] && [ ! -e "$DIR/lineitem.parquet" ]; then
  ln -s "$SOURCE_DIR/lineitem.parquet" "$DIR/lineitem.parquet"
fi
if [ ! -s "$DIR/lineitem.parquet" ]; then
  tmp=$(mktemp -d "$DIR/.gen.XXXXXX")
  tpchgen-cli parquet --scale-factor "$SF" --tables lineitem --output-dir "$tmp" --no-progress --quiet
  mv "$tmp/lineitem.parquet" "$DIR/lineitem.parquet"
  rmdir "$tmp"
fi

# Target + expected counts (recounted independently with DuckDB by --verify); redone if missing or older than the source
# (delete expected.json to redo it with another RATE or SEED).
if [ ! -s "$DIR/expected.json" ] || [ ! -s "$DIR/lineitem_target.parquet" ] || [ "$DIR/lineitem.parquet" -nt "$DIR/expected.json" ]; then
  rm -f "$DIR/expected.json"  # written last, so its presence marks a finished target
  python3 "$HERE/make_defects.py" "$DIR/lineitem.parquet" "$DIR/lineitem_target.parquet" "$DIR/expected.json" \
    --rate "${RATE:-0.0001}" --seed "${SEED:-1}" ${MISMATCHED:+--mismatched "$MISMATCHED"} --verify >/dev/null
fi
echo "$DIR"
