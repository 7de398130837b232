#!/usr/bin/env bash
# Why: times a column profile (`recon profile`) against a full diff (`recon diff`) of the same pair, lineitem SF1 in
# PostgreSQL: the profile runs one aggregate statement per side inside the server, the diff reads every row out.
# Usage (from the repo root, after `PGURL=… benches/load_postgres.sh 1`): benches/profile.sh [RUNS]   (default 5)
# Needs a recon built with `cargo build --profile profiling` (RECON=… to name another binary), psql and python3.
# Runs are interleaved (profile, diff, profile, diff, …) so that both meet the same noise; each run's wall time, and
# what it found, are printed as JSON lines, then the medians and their ratio. The pair differs (benches/make_data.sh
# puts 0.01% of rows deleted, added, changed and duplicated in the target): the profile must say so (exit 1, some
# statistic differs) and the diff must count what expected.json says.
set -euo pipefail

RUNS=${1:-5}
PGURL=${PGURL:-postgres://postgres@127.0.0.1:5432/test}
RECON=${RECON:-$HOME/.cache/recon-release/profiling/recon}
SRC="$PGURL#public.lineitem_src"
DST="$PGURL#public.lineitem_dst"
KEY=l_orderkey,l_linenumber
EXPECTED=${EXPECTED:-${RECON_BENCH_DIR:-$HOME/.cache/recon-bench}/sf1/expected.json}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
[ -x "$RECON" ] || { echo "profile.sh: no recon at $RECON (cargo build --profile profiling)" >&2; exit 1; }
psql "$PGURL" -X -Atc "SELECT to_regclass('public.lineitem_dst')" | grep -q lineitem_dst \
  || { echo "profile.sh: run PGURL=$PGURL benches/load_postgres.sh 1 first" >&2; exit 1; }

# run KIND: one timed run of `recon KIND`, its report summarized as one JSON line.
run() {
  local kind=$1 out="$WORK/$1.json" t0 t1
  local args=(profile "$SRC" "$DST")
  [ "$kind" = diff ] && args=(diff "$SRC" "$DST" --key "$KEY")
  t0=$(date +%s.%N)
  "$RECON" "${args[@]}" --format json -q > "$out" || [ $? -eq 1 ]
  t1=$(date +%s.%N)
  python3 - "$kind" "$out" "$t0" "$t1" "$EXPECTED" <<'EOF'
import json, os, sys
kind, out, t0, t1, expected = sys.argv[1:6]
r = json.load(open(out))
line = {"kind": kind, "wall": round(float(t1) - float(t0), 2), "exit": r["verdict"]["exit_code"]}
if kind == "profile":
    p = r["profile"]
    assert p["differs"] > 0, "the profile of a differing pair found nothing"
    line.update(differs=p["differs"], rows=p["rows"],
                differing=sorted(f"{c}.{s}" for c, col in p["columns"].items() for s in col["differs"])[:8])
else:
    s = r["summary"]
    line.update(missing=s["missing_in_target"], extra=s["extra_in_target"], mismatched=s["mismatched"])
    if os.path.exists(expected):
        e = json.load(open(expected))
        for k in ("missing_in_target", "extra_in_target", "mismatched"):
            want = e.get(k, e.get("summary", {}).get(k))
            assert want is None or want == s[k], f"{k}: {s[k]} != expected {want}"
print(json.dumps(line))
EOF
}

for i in $(seq "$RUNS"); do
  run profile | tee -a "$WORK/runs.jsonl"
  run diff | tee -a "$WORK/runs.jsonl"
done
python3 - "$WORK/runs.jsonl" <<'EOF'
import json, statistics, sys
runs = [json.loads(l) for l in open(sys.argv[1])]
median = {k: statistics.median(r["wall"] for r in runs if r["kind"] == k) for k in ("profile", "diff")}
print(f"profile.sh: median profile {median['profile']:.2f} s, median diff {median['diff']:.2f} s, "
      f"profile / diff {median['profile'] / median['diff']:.2f}")
EOF
