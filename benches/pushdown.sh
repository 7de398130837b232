#!/usr/bin/env bash
# Why: `--pushdown` is meant to move fingerprints instead of rows. Times `recon diff` of lineitem PostgreSQL ->
# PostgreSQL read in full (`--pushdown off`, which still counts the bytes) against `--pushdown`, with 0.01% of the
# target's rows changed, the target with a primary key and without any index; wall seconds, bytes the servers
# sent (recon's own wire count, `stats.bytes_received`) and the server's CPU; data-diff's hashdiff on the same
# tables beside them (DATADIFF=0 leaves it out). With NETEM=1, all of it over a link limited to 100 Mbit/s with
# 20 ms latency each way: recon and data-diff run in a network namespace made here (veth pair, `tc netem` on both
# ends) and reach PostgreSQL through socat on the host end of the pair; where the kernel has no netem qdisc, through
# benches/link_shaper.py instead (a userspace forwarder on loopback that paces each direction to the rate and delays
# it by the latency; "link" in the output says which).
# Usage (from the repo root, as root for NETEM=1): benches/pushdown.sh [SF] [ROUNDS]   (defaults 1 and 3)
# recon binary: $RECON_BIN, else ${CARGO_TARGET_DIR:-target}/profiling/recon (it must have --pushdown).
# Tables (in $PGURL, default postgres://postgres@127.0.0.1:5432/test): $FROM (default lineitem_src, from
# benches/load_postgres.sh; name a smaller copy with the same columns for a trial run, which loads nothing), and
# made here when absent: ${PD}_pk (a copy with PRIMARY KEY (l_orderkey, l_linenumber)) and ${PD}_heap (a copy without
# index; PD defaults to lineitem_pd), each with l_comment changed on the rows where l_orderkey % 2500 = 7 and
# l_linenumber = 1 (600 rows, 0.01% of SF1's 6,001,215).
# Every recon run must report exactly those mismatches (and nothing else), pushed down or not, or the script fails;
# data-diff's differing keys are counted beside it.
set -euo pipefail

SF=${1:-1}
ROUNDS=${2:-3}
HERE=$(cd "$(dirname "$0")" && pwd) ROOT=$(cd "$HERE/.." && pwd)
RECON=${RECON_BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/profiling/recon}
PGURL=${PGURL:-postgres://postgres@127.0.0.1:5432/test}
KEY=l_orderkey,l_linenumber
FROM=${FROM:-lineitem_src} PD=${PD:-lineitem_pd}
DATADIFF=${DATADIFF:-1} DD_TIMEOUT=${DD_TIMEOUT:-1800}
BENCH=${RECON_BENCH_DIR:-$HOME/.cache/recon-bench}
[ -x "$RECON" ] || { echo "pushdown: no recon binary at $RECON (set RECON_BIN or build it)" >&2; exit 1; }
"$RECON" diff --help | grep -q -- --pushdown || { echo "pushdown: $RECON has no --pushdown" >&2; exit 1; }
if [ ! -x /usr/bin/time ]; then apt-get update -qq && apt-get install -y -qq time >/dev/null; fi

[ "$FROM" != lineitem_src ] || PGURL=$PGURL "$HERE/load_postgres.sh" "$SF"
psql_() { PGOPTIONS='-c client_min_messages=warning' psql "$PGURL" -X -v ON_ERROR_STOP=1 -q "$@"; }
rows=$(psql_ -Atc "SELECT count(*) FROM $FROM")
for table in "${PD}_pk" "${PD}_heap"; do
  if [ "$(psql_ -Atc "SELECT count(*) FROM pg_class WHERE relname = '$table'")" = 0 ]; then
    echo "pushdown: making $table"
    psql_ -c "CREATE TABLE $table AS SELECT * FROM $FROM" \
      -c "UPDATE $table SET l_comment = 'changed' WHERE l_orderkey % 2500 = 7 AND l_linenumber = 1" \
      -c "VACUUM (FREEZE, ANALYZE) $table"
    [ "$table" = "${PD}_pk" ] && psql_ -c "ALTER TABLE $table ADD PRIMARY KEY (l_orderkey, l_linenumber)"
  fi
done
changed=$(psql_ -Atc "SELECT count(*) FROM $FROM WHERE l_orderkey % 2500 = 7 AND l_linenumber = 1")

# data-diff 0.11.2 in its own venv, as benches/db_compare.sh makes it (the pins are explained there).
DD=$BENCH/venv/bin/data-diff
if [ "$DATADIFF" = 1 ] && ! [ -x "$DD" ]; then
  python3 -m venv "$BENCH/venv"
  "$BENCH/venv/bin/pip" install --quiet data-diff==0.11.2 'dbt-core>=1.7,<1.8' 'pydantic<2' psycopg2-binary
fi
# Non-key columns, in table order, for data-diff's -c (it compares only the key unless told).
DD_COLS=()
for c in $(psql_ -Atc "SELECT column_name FROM information_schema.columns WHERE table_name = '$FROM'
           AND column_name NOT IN ('l_orderkey', 'l_linenumber') ORDER BY ordinal_position"); do
  DD_COLS+=(-c "$c")
done

# NETEM=1: recon in namespace recon_pd, 10.77.0.2, reaching PostgreSQL at 10.77.0.1:15432 (socat -> $PGURL's port);
# without netem, recon on the host reaching 127.0.0.1:15432, benches/link_shaper.py.
PREFIX=() URL=$PGURL LINK=loopback
hostport=${PGURL#*@} hostport=${hostport%%/*}
if [ "${NETEM:-0}" = 1 ]; then
  socat_pid= shaper_pid=
  cleanup() {
    [ -z "$socat_pid" ] || kill "$socat_pid" 2>/dev/null || true
    [ -z "$shaper_pid" ] || kill "$shaper_pid" 2>/dev/null || true
    ip netns del recon_pd 2>/dev/null || true; ip link del recon_pd0 2>/dev/null || true
  }
  trap cleanup EXIT
  if ip netns add recon_pd && ip link add recon_pd0 type veth peer name recon_pd1 \
     && tc qdisc add dev recon_pd0 root netem delay 20ms rate 100mbit limit 100000 2>/dev/null; then
    ip link set recon_pd1 netns recon_pd
    ip addr add 10.77.0.1/24 dev recon_pd0 && ip link set recon_pd0 up
    ip netns exec recon_pd ip addr add 10.77.0.2/24 dev recon_pd1
    ip netns exec recon_pd ip link set recon_pd1 up && ip netns exec recon_pd ip link set lo up
    ip netns exec recon_pd tc qdisc add dev recon_pd1 root netem delay 20ms rate 100mbit limit 100000
    socat TCP-LISTEN:15432,bind=10.77.0.1,fork,reuseaddr "TCP:$hostport" & socat_pid=$!
    PREFIX=(ip netns exec recon_pd) URL=${PGURL/$hostport/10.77.0.1:15432} LINK="netem 100 Mbit/s, 20 ms each way"
  else
    echo "pushdown.sh: this kernel has no netem qdisc (sch_netem): shaping the link in userspace (link_shaper.py)" >&2
    cleanup
    ready=$(mktemp "${TMPDIR:-/tmp}/link_shaper.XXXXXX")
    python3 "$HERE/link_shaper.py" 127.0.0.1:15432 "$hostport" --delay-ms 20 --rate-mbit 100 >"$ready" &
    shaper_pid=$!
    for _ in $(seq 50); do grep -q listening "$ready" && break; sleep 0.1; done
    URL=${PGURL/$hostport/127.0.0.1:15432} LINK="link_shaper.py 100 Mbit/s, 20 ms each way"
  fi
fi
# data-diff insists on a password in the URL (trust auth ignores it).
DD_URL=${URL/postgres:\/\/postgres@/postgresql://postgres:unused@}

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
datadiff() {  # datadiff NAME ROUND TARGET: one timed data-diff hashdiff of $FROM against TARGET
  local name=$1 round=$2 target=$3
  local pg0; pg0=$(ticks "$postmaster")
  # --json: one ["-"|"+", [values...]] line per differing row. COLUMNS: rich wraps its output at the terminal width.
  /usr/bin/time -f "%e %U %S" -o "$OUT/$name.$round.time" "${PREFIX[@]}" env COLUMNS=1000 timeout "$DD_TIMEOUT" \
    "$DD" "$DD_URL" "$FROM" "$DD_URL" "$target" -k l_orderkey -k l_linenumber "${DD_COLS[@]}" \
    --algorithm hashdiff -j 2 --json --no-tracking >"$OUT/$name.$round.out" 2>"$OUT/$name.$round.err" || true
  echo "$(( $(ticks "$postmaster") - pg0 ))" >"$OUT/$name.$round.cpu"
}

for round in $(seq 1 "$ROUNDS"); do
  for target in pk heap; do
    run "full_$target" "$round" "$URL#$FROM" "$URL#${PD}_$target" --pushdown off
    run "pushdown_$target" "$round" "$URL#$FROM" "$URL#${PD}_$target" --pushdown required
    [ "$DATADIFF" != 1 ] || datadiff "datadiff_$target" "$round" "${PD}_$target"
  done
done

echo "SF$SF ($FROM), $ROUNDS interleaved rounds, link: $LINK, load average before: $load_before, after: $(cut -d" " -f1-3 /proc/loadavg); raw: $OUT"
python3 - "$OUT" "$ROUNDS" "$rows" "$changed" "$(getconf CLK_TCK)" "$DATADIFF" <<'EOF'
import collections, json, statistics, sys
out, rounds, rows, changed, hz = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
cases = ["full_pk", "pushdown_pk", "datadiff_pk", "full_heap", "pushdown_heap", "datadiff_heap"]
if sys.argv[6] != "1":
    cases = [c for c in cases if not c.startswith("datadiff")]
print(f"{'case':14} {'wall s':>7} {'MB received':>12} {'pg cpu s':>9} {'rounds':>6} {'buckets':>8} {'differing':>9}")
medians = {}
for case in cases:
    walls, mbs, cpus, block = [], [], [], {}
    for r in range(1, rounds + 1):
        walls.append(float(open(f"{out}/{case}.{r}.time").read().split()[-3]))
        cpus.append(int(open(f"{out}/{case}.{r}.cpu").read()) / hz)
        if case.startswith("datadiff"):
            # The keys data-diff reports: a changed row is one '-' row and one '+' row of the same key.
            keys = {tuple(json.loads(line)[1][:2]) for line in open(f"{out}/{case}.{r}.out") if line.startswith('["')}
            block = {"keys": len(keys)}
            continue
        report = json.load(open(f"{out}/{case}.{r}.out"))
        s = report["summary"]
        if s["mismatched"] != changed or s["matched"] != rows - changed or s["missing_in_target"] or s["extra_in_target"]:
            sys.exit(f"{case} round {r}: summary {s} is not {changed} mismatches of {rows} rows")
        mbs.append(report["stats"]["bytes_received"] / 1e6)
        block = report.get("pushdown") or {}
    medians[case] = statistics.median(walls), (statistics.median(mbs) if mbs else None)
    mb = f"{medians[case][1]:12.2f}" if mbs else f"{'-':>12}"
    found = f"  differing keys found: {block['keys']} (recon: {changed})" if "keys" in block else ""
    print(f"{case:14} {medians[case][0]:7.2f} {mb} {statistics.median(cpus):9.2f} {block.get('rounds', '-'):>6} "
          f"{block.get('buckets', '-'):>8} {block.get('differing_buckets', '-'):>9}{found}")
for target in ("pk", "heap"):
    (fw, fb), (pw, pb) = medians[f"full_{target}"], medians[f"pushdown_{target}"]
    line = f"{target}: pushdown receives {pb / fb:.2%} of a full read's bytes, {fw / pw:.2f}x faster than a full read"
    if f"datadiff_{target}" in medians:
        line += f", {medians[f'datadiff_{target}'][0] / pw:.2f}x faster than data-diff"
    print(line)
EOF
