#!/usr/bin/env bash
# Why: measures how recon scales to tables whose row digests exceed memory (TPC-H SF100: 600 M rows a side) under each --strategy, beside DuckDB.
# Usage (from the repo root): benches/scale.sh SF...   (e.g. benches/scale.sh 1 10 100). Build recon first (release).
# recon binary: $RECON_BIN, else ${CARGO_TARGET_DIR:-target}/release/recon. MEMORY (2GB) is recon's --memory-limit and
# DuckDB's memory_limit; STRATEGIES ("one-pass two-pass auto") are timed with DuckDB, RUNS (1) times each, interleaved.
# Per scale factor the pair lives in ${RECON_BENCH_DIR:-$HOME/.cache/recon-bench}/scale/sf$SF/{source,target}/, lineitem
# in PARTS parts (default 2 a scale factor, at least 1): the target holds hard links to the source's parts but for the
# last (deleted, added, changed and duplicated rows at RATE, 0.0001) and up to two before it (MISMATCHED, 100, changed
# rows each): SF100 costs one part's room twice, not the table's. Expected counts: the defect files' summed with the
# untouched parts' rows; DuckDB's counts are checked against them too.
# Spill goes to SPILL_DIR (default: the pair's spill/); a strategy whose spill does not fit there exits 2 before reading,
# and the table says so. Columns: median wall seconds, largest peak RSS (/usr/bin/time -f %M), spill bytes
# (stats.strategy.spill_bytes), passes, counts == expected. Then, for each pair of scale factors, the time ratio of
# the tools that finished both. DUCKDB_TIMEOUT (seconds) stops DuckDB's runs after that long and DUCKDB_TEMP_MAX
# (e.g. 10GB) caps its spill (its own default: 90% of the free disk). PROGRESS=1 runs recon without -q on a
# pseudo-terminal (script), so its live lines (rows, bytes, share and ETA per side and pass) are kept in the .err.
set -euo pipefail

[ $# -ge 1 ] || { sed -n 3p "$0" >&2; exit 2; }
THREADS=${THREADS:-2}
RUNS=${RUNS:-1}
MEMORY=${MEMORY:-2GB}
RATE=${RATE:-0.0001}
MISMATCHED=${MISMATCHED:-100}
read -r -a STRATEGIES <<<"${STRATEGIES:-one-pass two-pass auto}"
HERE=$(cd "$(dirname "$0")" && pwd) ROOT=$(cd "$HERE/.." && pwd)
RECON=${RECON_BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/release/recon}
BASE=${RECON_BENCH_DIR:-$HOME/.cache/recon-bench}/scale

[ -x "$RECON" ] || { echo "recon binary not found at $RECON (set RECON_BIN or build it)" >&2; exit 2; }
command -v tpchgen-cli >/dev/null || python3 -m pip install --quiet tpchgen-cli
python3 -c 'import pyarrow, duckdb' 2>/dev/null || python3 -m pip install --quiet pyarrow duckdb
if [ ! -x /usr/bin/time ]; then apt-get update -qq && apt-get install -y -qq time >/dev/null; fi
OUT=$(mktemp -d "${TMPDIR:-/tmp}/recon-scale.XXXXXX")

# make_pair SF: generates the source parts once, then the target (links and defect files) and expected.json.
make_pair() {
  local sf=$1 dir=$BASE/sf$1 parts
  parts=${PARTS:-$(python3 -c "import math, sys; print(max(1, math.ceil(2 * float(sys.argv[1]))))" "$sf")}
  mkdir -p "$dir"
  if [ ! -d "$dir/source" ]; then
    local tmp
    tmp=$(mktemp -d "$dir/.gen.XXXXXX")
    if [ "$parts" -gt 1 ]; then
      tpchgen-cli parquet --scale-factor "$sf" --tables lineitem --parts "$parts" --output-dir "$tmp" --no-progress --quiet
      mv "$tmp/lineitem" "$dir/source"
    else
      tpchgen-cli parquet --scale-factor "$sf" --tables lineitem --output-dir "$tmp" --no-progress --quiet
      mkdir "$dir/source" && mv "$tmp/lineitem.parquet" "$dir/source/lineitem.1.parquet"
    fi
    rmdir "$tmp"
  fi
  if [ ! -s "$dir/expected.json" ] || [ "$dir/source" -nt "$dir/expected.json" ]; then
    rm -rf "$dir/target" "$dir/defects" && mkdir -p "$dir/target" "$dir/defects"
    mapfile -t files < <(ls "$dir/source" | sort -t. -k2,2n)
    local last=$((${#files[@]} - 1)) i
    for i in "${!files[@]}"; do
      local f=${files[$i]}
      if [ "$i" -eq "$last" ]; then  # every kind of defect; added keys go above this part's (the table's) largest
        python3 "$HERE/make_defects.py" "$dir/source/$f" "$dir/target/$f" "$dir/defects/$f.json" --rate "$RATE" >/dev/null
      elif [ "$i" -ge $((last - 2)) ]; then  # changed rows only: any part may hold them
        python3 "$HERE/make_defects.py" "$dir/source/$f" "$dir/target/$f" "$dir/defects/$f.json" --mismatched "$MISMATCHED" >/dev/null
      else
        ln "$dir/source/$f" "$dir/target/$f"
      fi
    done
    python3 - "$dir" <<'EOF'
# Sums the defect files' expected counts with the rows of the parts linked unchanged (all matched).
import json, os, sys
import pyarrow.parquet as pq
d = sys.argv[1]
total = {}
for f in sorted(os.listdir(f"{d}/source")):
    path = f"{d}/defects/{f}.json"
    if os.path.exists(path):
        counts = json.load(open(path))
    else:
        rows = pq.ParquetFile(f"{d}/source/{f}").metadata.num_rows
        counts = {"source_rows": rows, "target_rows": rows, "matched": rows}
    for k, v in counts.items():
        total[k] = total.get(k, 0) + v
json.dump(total, open(f"{d}/expected.json", "w"), indent=2)
EOF
  fi
}

# run SF TOOL I: one timed run; stdout (JSON) -> $OUT/sfSF.TOOL.I.json, stderr -> .err, peak RSS (KiB) -> .rss, wall s -> .wall
run() {
  local sf=$1 tool=$2 i=$3 dir=$BASE/sf$1 cmd spill=${SPILL_DIR:-$BASE/sf$1/spill}
  mkdir -p "$spill"
  local stem=$OUT/sf$sf.$tool.$i stdout=$OUT/sf$sf.$tool.$i.json rc=0
  case $tool in
    duckdb) cmd=(python3 "$HERE/duckdb_diff.py" "$dir/source/*.parquet" "$dir/target/*.parquet" --threads "$THREADS" --memory-limit "$MEMORY" --temp-dir "$spill"
                 ${DUCKDB_TEMP_MAX:+--max-temp-size "$DUCKDB_TEMP_MAX"})
            if [ -n "${DUCKDB_TIMEOUT:-}" ]; then cmd=(timeout "$DUCKDB_TIMEOUT" "${cmd[@]}"); fi ;;
    *) cmd=(env RAYON_NUM_THREADS="$THREADS" "$RECON" diff "$dir/source/" "$dir/target/" --key l_orderkey,l_linenumber \
            --memory-limit "$MEMORY" --spill-dir "$spill" --strategy "$tool" --threads "$THREADS" --format json)
       if [ -n "${PROGRESS:-}" ]; then  # the pty's transcript (stderr, live lines) is the .err; the JSON goes aside
         cmd=(script -qfec "stty cols 220 rows 40; exec $(printf '%q ' "${cmd[@]}") >$(printf %q "$stdout")" "$stem.err")
         stdout=/dev/null
       else
         cmd+=(-q)
       fi ;;
  esac
  local started ended
  started=$(date +%s.%N)
  # recon exits 1 when it finds differences (and 2 when the spill cannot fit): keep going, the table says which
  /usr/bin/time -f %M -o "$stem.rss" "${cmd[@]}" >"$stdout" 2>>"$stem.err" || rc=$?
  ended=$(date +%s.%N)
  echo "$ended - $started" | bc >"$stem.wall"
  if [ "$tool" = duckdb ] && [ "$rc" -eq 124 ] && [ -n "${DUCKDB_TIMEOUT:-}" ]; then
    echo "error: did not finish in ${DUCKDB_TIMEOUT} s (DUCKDB_TIMEOUT)" >>"$stem.err"
    find "$spill" -maxdepth 1 -name 'duckdb_temp*' -delete  # what a stopped DuckDB leaves in its temp_directory
  fi
}

load_before=$(cut -d" " -f1-3 /proc/loadavg)
for sf in "$@"; do make_pair "$sf"; done
for sf in "$@"; do
  for i in $(seq 1 "$RUNS"); do for t in "${STRATEGIES[@]}" duckdb; do run "$sf" "$t" "$i"; done; done
done

echo "recon --memory-limit $MEMORY, threads=$THREADS, $RUNS run(s) each, load average before: $load_before, after: $(cut -d" " -f1-3 /proc/loadavg); raw: $OUT"
python3 - "$OUT" "$BASE" "$RUNS" "${STRATEGIES[*]} duckdb" "$@" <<'EOF'
# One row per scale factor and tool: median wall seconds, largest peak RSS, spill bytes, passes, counts correct.
import json, re, statistics, sys
out, base, runs, tools, sfs = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4].split(), sys.argv[5:]
median, finished = {}, set()
print("| SF | tool | median s | peak RSS MB | spill GB | passes | counts correct |")
print("|---:|---|---:|---:|---:|---:|---|")
for sf in sfs:
    exp = json.load(open(f"{base}/sf{sf}/expected.json"))
    for t in tools:
        walls, rss, spill, passes, ok, note = [], [], [], set(), True, ""
        for i in range(1, runs + 1):
            stem = f"{out}/sf{sf}.{t}.{i}"
            walls.append(float(open(f"{stem}.wall").read()))
            text = open(f"{stem}.rss").read().split()
            rss.append(int(text[-1]) / 1024 if text and text[-1].isdigit() else 0)
            try:
                got = json.load(open(f"{stem}.json"))
            except ValueError:
                # the error's own line (recon's `recon: error: …`, a Python exception's `…Error: …`), else the last
                # (a pseudo-terminal's transcript, PROGRESS=1, holds colours and redrawn lines: read without them)
                text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", open(f"{stem}.err", errors="replace").read())
                lines = [l for l in re.split(r"[\r\n]+", text) if l.strip()] or [""]
                ok, note = False, next((l for l in lines if "rror: " in l), lines[-1])[:200]
                continue
            if t != "duckdb":
                strategy = got["stats"]["strategy"]
                spill.append(strategy["spill_bytes"])
                passes.add(f'{strategy["name"]} {strategy["passes"]}' if t == "auto" else str(strategy["passes"]))
                got = got["summary"]
            ok = ok and all(got.get(k) == v for k, v in exp.items())
        median[(sf, t)] = statistics.median(walls)
        if not note:
            finished.add((sf, t))
        spilled = f"{max(spill) / 2**30:.2f}" if spill else "-"
        verdict = "yes" if ok else f"no {note}".strip()
        print(f"| {sf} | {t} | {median[(sf, t)]:.2f} | {max(rss):.0f} | {spilled} | {', '.join(sorted(passes)) or '-'} | {verdict} |")
for a, b in zip(sfs, sfs[1:]):
    both = [t for t in tools if {(a, t), (b, t)} <= finished and median[(a, t)] > 0]
    ratios = ", ".join(f"{t} {median[(b, t)] / median[(a, t)]:.1f}x" for t in both) or "no tool finished both"
    print(f"SF{b}/SF{a} time ({float(b) / float(a):g}x the rows): {ratios}")
EOF
