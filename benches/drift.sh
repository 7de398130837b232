#!/usr/bin/env bash
# Why: times runs over time on lineitem SF1 in PostgreSQL — an incremental `--since-last-run` run against a full
# run when 1% of rows changed since the last run, and a recheck of 10,000 differing keys against the first pass.
# Usage (from the repo root, after `benches/load_postgres.sh 1`): benches/drift.sh [RUNS]   (default 5)
# ($PGURL names the database, default postgres://postgres@127.0.0.1:5432/test.)
# Needs a recon built with `cargo build --profile profiling` (RECON=… to name another binary), psql and python3.
# Makes drift_li_src and drift_li_dst in $PGURL: copies of lineitem_src with an `updated_at` column (indexed)
# and a primary key, then:
#   A. a full run with --history (the baseline), 1% of rows changed on both sides with the same change time
#      (l_orderkey % 100 = 7: 60,175 rows) and 1,000 of those changed differently on the target, then RUNS
#      interleaved triples of runs: a full run, `--since-last-run` from a copy of the baseline history, and the
#      same with `--pushdown` (keys read only from the buckets whose key fingerprints differ in the servers);
#   B. A's 1,000 repaired and 10,000 other rows changed on the target only, then RUNS runs with `--recheck 1 --recheck-delay 0s`: the
#      first pass (stats.seconds.total) against the recheck (drift.recheck_seconds).
# RECHECK=0 leaves B out. Prints each run's wall time and rows read, then the medians.
set -euo pipefail

RUNS=${1:-5}
PGURL=${PGURL:-postgres://postgres@127.0.0.1:5432/test}
RECON=${RECON:-$HOME/.cache/recon-release/profiling/recon}
KEY=l_orderkey,l_linenumber
FROM=${FROM:-lineitem_src}  # the table copied (a smaller one for a trial run)
SRC="$PGURL#public.drift_li_src"
DST="$PGURL#public.drift_li_dst"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
psql_() { PGOPTIONS='-c client_min_messages=warning' psql "$PGURL" -X -v ON_ERROR_STOP=1 -q "$@"; }
[ -x "$RECON" ] || { echo "drift.sh: no recon at $RECON (cargo build --profile profiling)" >&2; exit 1; }
[ -n "$(psql_ -Atc "SELECT to_regclass('public.$FROM')")" ] || { echo "drift.sh: run benches/load_postgres.sh 1 first" >&2; exit 1; }

echo "drift.sh: copying lineitem_src into drift_li_src and drift_li_dst"
for t in drift_li_src drift_li_dst; do
  psql_ -c "DROP TABLE IF EXISTS public.$t" \
        -c "CREATE TABLE public.$t AS SELECT *, timestamptz '2020-01-01 00:00:00+00' AS updated_at FROM public.$FROM" \
        -c "ALTER TABLE public.$t ADD PRIMARY KEY (l_orderkey, l_linenumber)" \
        -c "CREATE INDEX ${t}_updated_at ON public.$t (updated_at)" \
        -c "VACUUM (FREEZE, ANALYZE) public.$t"
done

# run OUT ARGS…: one timed recon run, its JSON report in OUT.
run() {
  local out=$1; shift
  local t0 t1
  t0=$(date +%s.%N)
  "$RECON" diff "$SRC" "$DST" --key "$KEY" --format json -q "$@" > "$out" || [ $? -eq 1 ]
  t1=$(date +%s.%N)
  python3 - "$out" "$t0" "$t1" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1])); wall = float(sys.argv[3]) - float(sys.argv[2])
s, d = r["stats"], r.get("drift", {})
line = dict(wall=round(wall, 2), first_pass=round(s["seconds"]["total"], 2),
            rows=s["source"]["rows"] + s["target"]["rows"],
            key_rows=s["source"].get("key_rows", 0) + s["target"].get("key_rows", 0),
            mismatched=r["summary"]["mismatched"], missing=r["summary"]["missing_in_target"],
            recheck=d.get("recheck_seconds"), rechecked_rows=d.get("rechecked_rows"),
            new=d.get("new"), persisting=d.get("persisting"), resolved=d.get("resolved"), scope=d.get("scope"))
print(json.dumps(line))
EOF
}

echo "drift.sh: A. the baseline run"
run "$WORK/base.json" --history "$WORK/base.db" >/dev/null
sleep 1
psql_ -c "UPDATE public.drift_li_src SET l_comment = 'changed', updated_at = '2030-01-01 00:00:00+00' WHERE l_orderkey % 100 = 7" \
      -c "UPDATE public.drift_li_dst SET l_comment = 'changed', updated_at = '2030-01-01 00:00:00+00' WHERE l_orderkey % 100 = 7" \
      -c "UPDATE public.drift_li_dst SET l_comment = 'drift' WHERE (l_orderkey, l_linenumber) IN (
            SELECT l_orderkey, l_linenumber FROM public.drift_li_dst WHERE l_orderkey % 100 = 7 ORDER BY 1, 2 LIMIT 1000)" \
      -c "VACUUM ANALYZE public.drift_li_src" -c "VACUUM ANALYZE public.drift_li_dst"
echo "drift.sh: changed $(psql_ -Atc "SELECT count(*) FROM public.drift_li_src WHERE updated_at > '2029-01-01'") rows on both sides"

: > "$WORK/full.lines"; : > "$WORK/since.lines"; : > "$WORK/pushdown.lines"
for i in $(seq "$RUNS"); do
  run "$WORK/full.json" | tee -a "$WORK/full.lines" | sed 's/^/full   /'
  rm -f "$WORK"/since.db*; cp "$WORK/base.db" "$WORK/since.db"
  run "$WORK/since.json" --history "$WORK/since.db" --updated-column updated_at --since-last-run --window-overlap 0s \
    | tee -a "$WORK/since.lines" | sed 's/^/since  /'
  rm -f "$WORK"/pushdown.db*; cp "$WORK/base.db" "$WORK/pushdown.db"
  run "$WORK/pushdown.json" --history "$WORK/pushdown.db" --updated-column updated_at --since-last-run \
    --window-overlap 0s --pushdown | tee -a "$WORK/pushdown.lines" | sed 's/^/pushed /'
done

: > "$WORK/recheck.lines"
[ "${RECHECK:-1}" = 1 ] || RUNS=0
[ "$RUNS" = 0 ] || echo "drift.sh: B. A's drift repaired, 10,000 other keys changed on the target only"
[ "$RUNS" = 0 ] || psql_ -c "UPDATE public.drift_li_dst SET l_comment = 'changed' WHERE l_comment = 'drift'" \
      -c "UPDATE public.drift_li_dst SET l_quantity = l_quantity + 1 WHERE (l_orderkey, l_linenumber) IN (
            SELECT l_orderkey, l_linenumber FROM public.drift_li_dst WHERE l_orderkey % 100 = 11 ORDER BY 1, 2 LIMIT 10000)" \
      -c "VACUUM ANALYZE public.drift_li_dst"
for i in $(seq "$RUNS"); do
  run "$WORK/recheck.json" --recheck 1 --recheck-delay 0s | tee -a "$WORK/recheck.lines" | sed 's/^/recheck /'
done

python3 - "$WORK" <<'EOF'
import json, statistics, sys
work = sys.argv[1]
def lines(name):
    return [json.loads(l) for l in open(f"{work}/{name}.lines")]
def med(rows, field):
    return statistics.median(r[field] for r in rows)
full, since, pushed, recheck = lines("full"), lines("since"), lines("pushdown"), lines("recheck")
print(f"full run:        {med(full, 'wall'):.2f} s wall, {full[0]['rows']:,} rows read whole")
print(f"since-last-run:  {med(since, 'wall'):.2f} s wall, {since[0]['rows']:,} rows read whole + "
      f"{since[0]['key_rows']:,} rows read as keys ({med(since, 'wall') / med(full, 'wall'):.2f}x the full run); "
      f"found {since[0]['mismatched']} mismatched")
print(f"  --pushdown:    {med(pushed, 'wall'):.2f} s wall, {pushed[0]['rows']:,} rows read whole + "
      f"{pushed[0]['key_rows']:,} rows read as keys ({med(pushed, 'wall') / med(full, 'wall'):.2f}x the full run); "
      f"found {pushed[0]['mismatched']} mismatched")
if recheck:
  print(f"first pass:      {med(recheck, 'first_pass'):.2f} s; recheck of {recheck[0]['mismatched']:,} keys: "
        f"{med(recheck, 'recheck'):.2f} s ({med(recheck, 'recheck') / med(recheck, 'first_pass'):.2f}x), "
        f"rows read again {recheck[0]['rechecked_rows']}")
EOF
