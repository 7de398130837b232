#!/usr/bin/env bash
# Why: `--pushdown` is meant to move fingerprints instead of rows. Times `recon diff` of lineitem PostgreSQL ->
# PostgreSQL read in full (`--pushdown off`, which still counts the bytes) against `--pushdown`, with 0.01% of the
# target's rows changed, the target with a primary key and without any index; wall seconds, bytes the servers
# sent (recon's own wire count, `stats.bytes_received`) and the server's CPU. With NETEM=1, the same again over a
# link limited to 100 Mbit/s with 20 ms latency each way: recon runs in a network namespace made here (veth pair,
# `tc netem` on both ends) and reaches PostgreSQL through socat on the host end of the pair.
# Usage (from the repo root, as root for NETEM=1): benches/pushdown.sh [SF] [ROUNDS]   (defaults 1 and 3)
# recon binary: $RECON_BIN, else ${CARGO_TARGET_DIR:-target}/profiling/recon (it must have --pushdown).
# Tables (in $PGURL, default postgres://postgres@127.0.0.1:5432/test): lineitem_src (benches/load_postgres.sh), and
# made here when absent: lineitem_pd_pk (a copy with PRIMARY KEY (l_orderkey, l_linenumber)) and lineitem_pd_heap
# (a copy without index), each with l_comment changed on the 600 rows where l_orderkey % 2500 = 7 and
# l_linenumber = 1 (0.01% of SF1's 6,001,215 rows).
# Every run must report exactly those 600 mismatches (and nothing else), pushed down or not, or the script fails.
set -euo pipefail

SF=${1:-1}
ROUNDS=${2:-3}
HERE=$(cd "$(dirname "$0")" && pwd) ROOT=$(cd "$HERE/.." && pwd)
RECON=${RECON_BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/profiling/recon}
PGURL=${PGURL:-postgres://postgres@127.0.0.1:5432/test}
KEY=l_orderkey,l_linenumber
[ -x "$RECON" ] || { echo "pushdown: no recon binary at $RECON (set RECON_BIN or build it)" >&2; exit 1; }
"$RECON" diff --help | grep -q -- --pushdown || { echo "pushdown: $RECON has no --pushdown" >&2; exit 1; }
if [ ! -x /usr/bin/time ]; then apt-get update -qq && apt-get install -y -qq time >/dev/null; fi

PGURL=$PGURL "$HERE/load_postgres.sh" "$SF"
psql_() { PGOPTIONS='-c client_min_messages=warning' psql "$PGURL" -X -v ON_ERROR_STOP=1 -q "$@"; }
rows=$(psql_ -Atc "SELECT count(*) FROM lineitem_src")
for table in lineitem_pd_pk lineitem_pd_heap; do
  if [ "$(psql_ -Atc "SELECT count(*) FROM pg_class WHERE relname = '$table'")" = 0 ]; then
    echo "pushdown: making $table"
    psql_ -c "CREATE TABLE $table AS SELECT * FROM lineitem_src" \
      -c "UPDATE $table SET l_comment = 'changed' WHERE l_orderkey % 2500 = 7 AND l_linenumber = 1" \
      -c "VACUUM (FREEZE, ANALYZE) $table"
    [ "$table" = lineitem_pd_pk ] && psql_ -c "ALTER TABLE $table ADD PRIMARY KEY (l_orderkey, l_linenumber)"
  fi
done
changed=$(psql_ -Atc "SELECT count(*) FROM lineitem_src WHERE l_orderkey % 2500 = 7 AND l_linenumber = 1")

# NETEM=1: recon in namespace recon_pd, 10.77.0.2, reaching PostgreSQL at 10.77.0.1:15432 (socat -> $PGURL's port).
PREFIX=() URL=$PGURL
if [ "${NETEM:-0}" = 1 ]; then
  ip netns add recon_pd
  socat_pid=
  cleanup() { [ -z "$socat_pid" ] || kill "$socat_pid" 2>/dev/null || true; ip netns del recon_pd 2>/dev/null || true; ip link del recon_pd0 2>/dev/null || true; }
  trap cleanup EXIT
  ip link add recon_pd0 type veth peer name recon_pd1
  ip link set recon_pd1 netns recon_pd
  ip addr add 10.77.0.1/24 dev recon_pd0 && ip link set recon_pd0 up
  ip netns exec recon_pd ip addr add 10.77.0.2/24 dev recon_pd1
  ip netns exec recon_pd ip link set recon_pd1 up && ip netns exec recon_pd ip link set lo up
  tc qdisc add dev recon_pd0 root netem delay 20ms rate 100mbit limit 100000 \
    || { echo "pushdown.sh: this kernel has no netem qdisc (sch_netem): NETEM=1 cannot run here" >&2; exit 2; }
  ip netns exec recon_pd tc qdisc add dev recon_pd1 root netem delay 20ms rate 100mbit limit 100000
  hostport=${PGURL#*@} hostport=${hostport%%/*}
  socat TCP-LISTEN:15432,bind=10.77.0.1,fork,reuseaddr "TCP:$hostport" & socat_pid=$!
  PREFIX=(ip netns exec recon_pd) URL=${PGURL/$hostport/10.77.0.1:15432}
fi

OUT=$(mktemp -d "${TMPDIR:-/tmp}/recon-pushdown.XXXXXX")
postmaster=$(head -n 1 "$(psql_ -Atc 'SHOW data_directory')/postmaster.pid" 2>/dev/null || pgrep -o -x postgres)
ticks() { awk '{ print $14 + $15 + $16 + $17 }' "/proc/$1/stat"; }
run() {  # run NAME ROUND ARGS...: one timed recon diff; the server's CPU ticks around it go to NAME.ROUND.cpu
  local name=$1 round=$2; shift 2
  local pg0; pg0=$(ticks "$postmaster")
  /usr/bin/time -f "%e %U %S" -o "$OUT/$name.$round.time" "${PREFIX[@]}" "$RECON" diff "$@" --key $KEY --format json -q \
    >"$OUT/$name.$round.out" 2>"$OUT/$name.$round.err" || [ $? = 1 ]
  echo "$(( $(ticks "$postmaster") - pg0 ))" >"$OUT/$name.$round.cpu"
}

load_before=$(cut -d" " -f1-3 /proc/loadavg)
for round in $(seq 1 "$ROUNDS"); do
  for target in pk heap; do
    run "full_$target" "$round" "$URL#lineitem_src" "$URL#lineitem_pd_$target" --pushdown off
    run "pushdown_$target" "$round" "$URL#lineitem_src" "$URL#lineitem_pd_$target" --pushdown required
  done
done

echo "SF$SF, $ROUNDS interleaved rounds, netem: ${NETEM:-0}, load average before: $load_before, after: $(cut -d" " -f1-3 /proc/loadavg); raw: $OUT"
python3 - "$OUT" "$ROUNDS" "$rows" "$changed" "$(getconf CLK_TCK)" <<'EOF'
import json, statistics, sys
out, rounds, rows, changed, hz = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
print(f"{'case':14} {'wall s':>7} {'MB received':>12} {'pg cpu s':>9} {'rounds':>6} {'buckets':>8} {'differing':>9}")
medians = {}
for case in ["full_pk", "pushdown_pk", "full_heap", "pushdown_heap"]:
    walls, mbs, cpus, block = [], [], [], {}
    for r in range(1, rounds + 1):
        wall = float(open(f"{out}/{case}.{r}.time").read().split()[-3])
        report = json.load(open(f"{out}/{case}.{r}.out"))
        s = report["summary"]
        if s["mismatched"] != changed or s["matched"] != rows - changed or s["missing_in_target"] or s["extra_in_target"]:
            sys.exit(f"{case} round {r}: summary {s} is not {changed} mismatches of {rows} rows")
        walls.append(wall); mbs.append(report["stats"]["bytes_received"] / 1e6)
        cpus.append(int(open(f"{out}/{case}.{r}.cpu").read()) / hz)
        block = report.get("pushdown") or {}
    medians[case] = (statistics.median(walls), statistics.median(mbs))
    print(f"{case:14} {medians[case][0]:7.2f} {medians[case][1]:12.2f} {statistics.median(cpus):9.2f} "
          f"{block.get('rounds', '-'):>6} {block.get('buckets', '-'):>8} {block.get('differing_buckets', '-'):>9}")
for target in ("pk", "heap"):
    (fw, fb), (pw, pb) = medians[f"full_{target}"], medians[f"pushdown_{target}"]
    print(f"{target}: pushdown receives {pb / fb:.2%} of a full read's bytes, wall {fw / pw:.2f}x faster")
EOF
