#!/usr/bin/env bash
# Why: one run of every side-by-side benchmark: TPC-H lineitem SF1 and SF10 made with tpchgen-cli and given
# known defects, recon against DuckDB (same threads) on both, then recon against psql and data-diff on
# PostgreSQL (SF1). Prints each tool's median time, peak memory and ratios.
# Usage (from the repo root, after cargo build --profile profiling): benches/all.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export RECON_BIN="${RECON_BIN:-${CARGO_TARGET_DIR:-target}/profiling/recon}"
for sf in 1 10; do
  echo "## lineitem SF$sf, Parquet"
  benches/compare.sh "$sf"
done
echo "## lineitem SF1, PostgreSQL"
benches/db_compare.sh 1
