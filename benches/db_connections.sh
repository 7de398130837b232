#!/usr/bin/env bash
# Why: times `recon diff` of lineitem read over 1, 2 and 4 connections per side (`--db-connections`) against the
# one-connection floor, two concurrent binary COPYs (recon reads two sides at once), PostgreSQL -> PostgreSQL and
# PostgreSQL -> MariaDB, with the servers' CPU per row (on a 2-core machine the servers share the cores with recon).
# Usage (from the repo root): benches/db_connections.sh [SF] [ROUNDS]   (defaults 1 and 3)
# recon binary: $RECON_BIN, else ${CARGO_TARGET_DIR:-target}/profiling/recon (`cargo build --profile profiling`).
# Loads lineitem (tpchgen-cli, benches/make_data.sh) into PostgreSQL ($PGURL, table lineitem_src, benches/load_postgres.sh)
# and MariaDB ($MYURL, table lineitem_src with PRIMARY KEY (l_orderkey, l_linenumber), benches/load_mariadb.sh).
# Every round runs each case once, in the same order (interleaved); the summary gives per case the median wall
# seconds, recon's CPU seconds and the servers' CPU microseconds per row (postmaster's children + mariadbd, from /proc).
# Each recon run's summary must match the table against itself (every row matched), or the script fails.
set -euo pipefail

SF=${1:-1}
ROUNDS=${2:-3}
# shellcheck source=benches/db_env.sh
source "$(dirname "$0")/db_env.sh"

PGURL=$PGURL "$HERE/load_postgres.sh" "$SF"
DIR=$("$HERE/make_data.sh" "$SF" | tail -n 1)

# MariaDB: host, port, database from $MYURL (user root-like, no password: a benchmark server).
my_db=${MYURL##*/} my_hostport=${MYURL#*@} my_hostport=${my_hostport%%/*}
mysql_() { mysql -h "${my_hostport%%:*}" -P "${my_hostport##*:}" -u root --local-infile=1 "$my_db" "$@"; }
want=$(python3 -c 'import sys, pyarrow.parquet as pq; print(pq.ParquetFile(sys.argv[1]).metadata.num_rows)' "$DIR/lineitem.parquet")
MYURL=$MYURL "$HERE/load_mariadb.sh" "$SF" lineitem_src

OUT=$(mktemp -d "${TMPDIR:-/tmp}/recon-db-connections.XXXXXX")
postmaster=$(head -n 1 "$(psql "$PGURL" -X -Atc 'SHOW data_directory')/postmaster.pid" 2>/dev/null || pgrep -o -x postgres)
mariadbd=$(pgrep -o -x mariadbd || pgrep -o -x mysqld)
# CPU ticks of a process and its reaped children (utime + stime + cutime + cstime): backends are the postmaster's.
ticks() { awk '{ print $14 + $15 + $16 + $17 }' "/proc/$1/stat"; }
pg_copy() { echo "psql '$PGURL' -X -q -c '\\copy public.lineitem_src to /dev/null with (format binary)'"; }

# run NAME ROUND CMD...: one timed run; the servers' CPU ticks around it go to NAME.ROUND.cpu.
run() {
  local name=$1 round=$2; shift 2
  local pg0 my0
  pg0=$(ticks "$postmaster") my0=$(ticks "$mariadbd")
  /usr/bin/time -f "%e %U %S" -o "$OUT/$name.$round.time" "$@" >"$OUT/$name.$round.out" 2>"$OUT/$name.$round.err"
  echo "$(( $(ticks "$postmaster") - pg0 )) $(( $(ticks "$mariadbd") - my0 ))" >"$OUT/$name.$round.cpu"
}

# Warm-up, untimed: the tables through the page and buffer caches once.
bash -c "$(pg_copy)"
mysql_ -N -e "SELECT COUNT(*), SUM(l_quantity) FROM lineitem_src" >/dev/null
load_before=$(cut -d" " -f1-3 /proc/loadavg)
for round in $(seq 1 "$ROUNDS"); do
  run copy_x2 "$round" bash -c "$(pg_copy) & a=\$!; $(pg_copy) & b=\$!; wait \$a && wait \$b"
  for n in 1 2 4; do
    run "pg_pg_$n" "$round" "$RECON" diff "$PGURL#public.lineitem_src" "$PGURL#public.lineitem_src" --key $KEY \
      --db-connections "$n" --format json -q
    run "pg_my_$n" "$round" "$RECON" diff "$PGURL#public.lineitem_src" "$MYURL#lineitem_src" --key $KEY \
      --db-connections "$n" --format json -q
  done
done

echo "SF$SF, $ROUNDS interleaved rounds, load average before: $load_before, after: $(cut -d" " -f1-3 /proc/loadavg); raw: $OUT"
python3 - "$OUT" "$ROUNDS" "$want" "$(getconf CLK_TCK)" <<'EOF'
import json, statistics, sys
out, rounds, rows, hz = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
cases = ["copy_x2"] + [f"{pair}_{n}" for n in (1, 2, 4) for pair in ("pg_pg", "pg_my")]
floor = None
print(f"{'case':10} {'wall s':>7} {'x floor':>8} {'recon cpu s':>12} {'pg µs/row':>10} {'maria µs/row':>13} connections/snapshot")
for case in cases:
    walls, cpus, pg, my, used = [], [], [], [], set()
    for r in range(1, rounds + 1):
        wall, user, system = map(float, open(f"{out}/{case}.{r}.time").read().split()[-3:])
        pg_t, my_t = map(int, open(f"{out}/{case}.{r}.cpu").read().split())
        walls.append(wall); cpus.append(user + system)
        pg.append(pg_t / hz * 1e6 / rows); my.append(my_t / hz * 1e6 / rows)
        if case != "copy_x2":
            report = json.load(open(f"{out}/{case}.{r}.out"))
            s = report["summary"]
            if not (s["matched"] == s["source_rows"] == s["target_rows"] == rows):
                sys.exit(f"{case} round {r}: summary {s} is not every one of {rows} rows matched")
            used.add(" ".join(f"{report[side].get('connections')}/{report[side].get('snapshot', '-')}" for side in ("source", "target")))
    wall = statistics.median(walls)
    floor = floor or wall
    print(f"{case:10} {wall:7.2f} {wall / floor:8.2f} {statistics.median(cpus):12.2f} {statistics.median(pg):10.2f} "
          f"{statistics.median(my):13.2f} {', '.join(sorted(used))}")
EOF
