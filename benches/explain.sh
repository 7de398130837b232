#!/usr/bin/env bash
# Why: times what explanations (causes and suggestions, src/compare/{causes,suggest}.rs) cost: a recon built
# without them (BASE) against one with them (NEW), runs interleaved, on lineitem SF with MISMATCHED changed
# rows (benches/make_data.sh makes the pair) — read back in memory, and with --memory-limit 256MB through the
# streaming column pass — and on the source against itself, where nothing differs.
# Usage (from the repo root): BASE=path/to/old/recon NEW=path/to/new/recon benches/explain.sh [SF] [RUNS]
# Prints each binary's median wall seconds and the ratio NEW/BASE, per pair; checks both report the same counts.
set -euo pipefail

SF=${1:-1}
RUNS=${2:-5}
MISMATCHED=${MISMATCHED:-100000}
: "${BASE:?set BASE to the recon binary without explanations}"
: "${NEW:?set NEW to the recon binary with them}"
DIR=$(MISMATCHED=$MISMATCHED "$(dirname "$0")/make_data.sh" "$SF")
SRC=$DIR/lineitem.parquet
DST=$DIR/lineitem_target.parquet
KEY=l_orderkey,l_linenumber

# One run: wall seconds, and the summary's counts (the same for both binaries, or the comparison is void).
run() { # binary source target [more options]
  local start end out binary=$1 source=$2 target=$3
  shift 3
  start=$(date +%s.%N)
  out=$("$binary" diff "$source" "$target" --key "$KEY" --format json -q --threads 2 "$@" || true)
  end=$(date +%s.%N)
  echo "$(echo "$end - $start" | bc) $(echo "$out" | python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["summary"]["mismatched"], r["summary"]["matched"])')"
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

for pair in mismatched streamed equal; do
  more=()
  case $pair in
    mismatched) target=$DST ;;
    streamed) target=$DST; more=(--memory-limit 256MB) ;;
    equal) target=$SRC ;;
  esac
  base_times=() new_times=() counts=()
  for i in $(seq "$RUNS"); do
    read -r t m a < <(run "$BASE" "$SRC" "$target" "${more[@]}"); base_times+=("$t"); counts+=("$m/$a")
    read -r t m a < <(run "$NEW" "$SRC" "$target" "${more[@]}"); new_times+=("$t"); counts+=("$m/$a")
  done
  if [ "$(printf '%s\n' "${counts[@]}" | sort -u | wc -l)" != 1 ]; then
    echo "explain.sh: the two binaries disagree on $pair: ${counts[*]}" >&2; exit 1
  fi
  b=$(printf '%s\n' "${base_times[@]}" | median)
  n=$(printf '%s\n' "${new_times[@]}" | median)
  echo "$pair (mismatched/matched ${counts[0]}): base median ${b}s [${base_times[*]}], new median ${n}s [${new_times[*]}], new/base $(echo "scale=3; $n / $b" | bc)"
done
