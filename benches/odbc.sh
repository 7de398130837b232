#!/usr/bin/env bash
# Why: times recon reading a table through an ODBC driver against its native reader of the same server, both as
# a `recon diff` of the lineitem pair (lineitem_src against lineitem_dst, which differ as expected.json says):
# PostgreSQL through psqlodbc against the binary COPY reader, and MariaDB through MariaDB Connector/ODBC against
# the native binary-protocol reader.
# Usage (from the repo root): benches/odbc.sh [SF] [ROUNDS]   (defaults 1 and 3)
# recon binary: $RECON_BIN, else ${CARGO_TARGET_DIR:-target}/profiling/recon, built with `--features odbc`.
# Servers: $PGURL (default postgres://postgres@127.0.0.1:5432/test) and $MYURL (mysql://root@127.0.0.1:3306/test),
# users without passwords (benchmark servers); both loaded here if needed (load_postgres.sh, load_mariadb.sh).
# MYSQL=0 leaves MariaDB out. FETCH="10000 1000" also times psqlodbc with those rows per cursor fetch (`Fetch=N`
# in the connection string; recon's default is 10000).
# Every round runs each case once, in the same order (interleaved): native with the default connections
# (`--db-connections` chosen by recon), native on one connection per side (as ODBC reads), ODBC. The summary
# gives per case the median wall seconds, recon's CPU seconds, and the ratio to the native one-connection read.
# Every run must count exactly the missing, extra and mismatched rows expected.json gives, or the script fails.
set -euo pipefail

SF=${1:-1}
ROUNDS=${2:-3}
# shellcheck source=benches/db_env.sh
source "$(dirname "$0")/db_env.sh"

DIR=$("$HERE/make_data.sh" "$SF" | tail -n 1)
PGURL=$PGURL "$HERE/load_postgres.sh" "$SF" >/dev/null
[ "${MYSQL:-1}" = 0 ] || MYURL=$MYURL "$HERE/load_mariadb.sh" "$SF"

# odbc_of DRIVER URL: the ODBC connection string of a server URL scheme://user@host:port/database.
odbc_of() {
  local rest=${2#*://} user host port db
  user=${rest%%@*} rest=${rest#*@} db=${rest#*/} rest=${rest%%/*}
  host=${rest%%:*} port=${rest##*:}
  echo "odbc:Driver={$1};Server=$host;Port=$port;Database=$db;Uid=$user;"
}
PG_ODBC=$(odbc_of "PostgreSQL Unicode" "$PGURL")
MY_ODBC=$(odbc_of "MariaDB Unicode" "$MYURL")

# name|source|target|extra options
cases=(
  "pg_native|$PGURL#public.lineitem_src|$PGURL#public.lineitem_dst|"
  "pg_native_1|$PGURL#public.lineitem_src|$PGURL#public.lineitem_dst|--db-connections 1"
  "pg_odbc|$PG_ODBC#public.lineitem_src|$PG_ODBC#public.lineitem_dst|"
)
for fetch in ${FETCH:-}; do
  cases+=("pg_odbc_fetch$fetch|${PG_ODBC}Fetch=$fetch;#public.lineitem_src|${PG_ODBC}Fetch=$fetch;#public.lineitem_dst|")
done
if [ "${MYSQL:-1}" != 0 ]; then
  cases+=(
    "my_native|$MYURL#lineitem_src|$MYURL#lineitem_dst|"
    "my_native_1|$MYURL#lineitem_src|$MYURL#lineitem_dst|--db-connections 1"
    "my_odbc|$MY_ODBC#lineitem_src|$MY_ODBC#lineitem_dst|"
  )
fi

OUT=$(mktemp -d "${TMPDIR:-/tmp}/recon-odbc.XXXXXX")
load_before=$(cut -d" " -f1-3 /proc/loadavg)
for round in $(seq 1 "$ROUNDS"); do
  for case in "${cases[@]}"; do
    IFS='|' read -r name source target extra <<<"$case"
    # shellcheck disable=SC2086  # $extra is a list of options
    /usr/bin/time -f "%e %U %S" -o "$OUT/$name.$round.time" "$RECON" diff "$source" "$target" --key $KEY $extra \
      --format json -q >"$OUT/$name.$round.out" 2>"$OUT/$name.$round.err" || [ $? -eq 1 ] \
      || { echo "odbc: $name failed: $(cat "$OUT/$name.$round.err")" >&2; exit 1; }
    echo "round $round: $name $(tail -n 1 "$OUT/$name.$round.time" | cut -d' ' -f1) s"
  done
done

echo "SF$SF, $ROUNDS interleaved rounds, load average before: $load_before, after: $(cut -d" " -f1-3 /proc/loadavg); raw: $OUT"
python3 - "$OUT" "$ROUNDS" "$DIR/expected.json" "${cases[@]}" <<'EOF'
import json, statistics, sys
out, rounds, expected = sys.argv[1], int(sys.argv[2]), json.load(open(sys.argv[3]))
names = [c.split("|")[0] for c in sys.argv[4:]]
rows = {}
for name in names:
    walls, cpus, read = [], [], set()
    for r in range(1, rounds + 1):
        wall, user, system = map(float, open(f"{out}/{name}.{r}.time").read().split()[-3:])
        walls.append(wall); cpus.append(user + system)
        report = json.load(open(f"{out}/{name}.{r}.out"))
        s = report["summary"]
        for k in ("missing_in_target", "extra_in_target", "mismatched", "source_rows", "target_rows"):
            if s[k] != expected[k]:
                sys.exit(f"{name} round {r}: {k} {s[k]} != expected {expected[k]}")
        side = report["source"]
        read.add(f"{side.get('kind')}, {side.get('connections', 1)} connection(s), snapshot {side.get('snapshot', '-')}")
    rows[name] = (statistics.median(walls), statistics.median(cpus), "; ".join(sorted(read)))
print(f"{'case':18} {'wall s':>7} {'x native_1':>10} {'recon cpu s':>12}  read as (source)")
for name, (wall, cpu, read) in rows.items():
    base = rows.get(name.split("_")[0] + "_native_1")
    ratio = f"{wall / base[0]:10.2f}" if base else f"{'':10}"
    print(f"{name:18} {wall:7.2f} {ratio} {cpu:12.2f}  {read}")
EOF
