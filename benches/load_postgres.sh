#!/usr/bin/env bash
# Why: puts the TPC-H benchmark pair (benches/make_data.sh) into PostgreSQL, so `recon diff postgres://...` can be timed
# against psql's COPY and data-diff on real tables (benches/db_compare.sh).
# Usage (from the repo root): benches/load_postgres.sh [SF]   (default 1)
# Loads $DIR/lineitem.parquet -> lineitem_src and $DIR/lineitem_target.parquet -> lineitem_dst in $PGURL
# (default postgres://postgres@127.0.0.1:5432/test). A table that already holds the Parquet file's row count is kept.
# Path: DuckDB streams CSV into `psql \copy ... from pstdin`, then a non-unique index on (l_orderkey, l_linenumber)
# (lineitem_dst has 600 duplicated keys at SF1, so no primary key), then VACUUM (FREEZE, ANALYZE) so the first
# timed read does not pay for setting hint bits.
set -euo pipefail

SF=${1:-1}
HERE=$(cd "$(dirname "$0")" && pwd)
PGURL=${PGURL:-postgres://postgres@127.0.0.1:5432/test}
DIR=$("$HERE/make_data.sh" "$SF" | tail -n 1)
command -v psql >/dev/null || { echo "load_postgres: psql not found (apt-get install postgresql-client)" >&2; exit 1; }

psql_() { PGOPTIONS='-c client_min_messages=warning' psql "$PGURL" -X -v ON_ERROR_STOP=1 -q "$@"; }

load() {  # load TABLE PARQUET
  local table=$1 file=$2 want have t0
  want=$(python3 -c 'import sys, pyarrow.parquet as pq; print(pq.ParquetFile(sys.argv[1]).metadata.num_rows)' "$file")
  have=-1  # -1 = no such table
  if [ -n "$(psql_ -Atc "SELECT to_regclass('public.$table')")" ]; then have=$(psql_ -Atc "SELECT count(*) FROM public.$table"); fi
  if [ "$have" = "$want" ]; then
    echo "load_postgres: $table already has $have rows, kept"
  else
    echo "load_postgres: loading $file -> $table ($want rows; $( [ "$have" = -1 ] && echo "no table yet" || echo "the table had $have"))"
    t0=$SECONDS
    psql_ -c "DROP TABLE IF EXISTS public.$table" -c "CREATE TABLE public.$table (
        l_orderkey bigint NOT NULL, l_partkey bigint NOT NULL, l_suppkey bigint NOT NULL, l_linenumber integer NOT NULL,
        l_quantity numeric(15,2) NOT NULL, l_extendedprice numeric(15,2) NOT NULL,
        l_discount numeric(15,2) NOT NULL, l_tax numeric(15,2) NOT NULL,
        l_returnflag char(1) NOT NULL, l_linestatus char(1) NOT NULL,
        l_shipdate date NOT NULL, l_commitdate date NOT NULL, l_receiptdate date NOT NULL,
        l_shipinstruct char(25) NOT NULL, l_shipmode char(10) NOT NULL, l_comment varchar(44) NOT NULL)"
    # Columns named explicitly, in the table's order, so the CSV cannot silently shift if the Parquet order changes.
    python3 - "$file" <<'EOF' | psql_ -c "\copy public.$table from pstdin with (format csv)"
import sys, duckdb
cols = ("l_orderkey, l_partkey, l_suppkey, l_linenumber, l_quantity, l_extendedprice, l_discount, l_tax, "
        "l_returnflag, l_linestatus, l_shipdate, l_commitdate, l_receiptdate, l_shipinstruct, l_shipmode, l_comment")
con = duckdb.connect()
con.execute("SET threads = 2")
path = sys.argv[1].replace("'", "''")
con.execute(f"COPY (SELECT {cols} FROM read_parquet('{path}')) TO '/dev/stdout' (FORMAT csv, HEADER false)")
EOF
    have=$(psql_ -Atc "SELECT count(*) FROM public.$table")
    [ "$have" = "$want" ] || { echo "load_postgres: $table has $have rows after the load, expected $want" >&2; exit 1; }
    echo "load_postgres: $table loaded in $((SECONDS - t0)) s"
  fi
  psql_ -c "CREATE INDEX IF NOT EXISTS ${table}_key_idx ON public.$table (l_orderkey, l_linenumber)" \
        -c "VACUUM (FREEZE, ANALYZE) public.$table"
}

load lineitem_src "$DIR/lineitem.parquet"
load lineitem_dst "$DIR/lineitem_target.parquet"
for t in lineitem_src lineitem_dst; do
  psql_ -Atc "SELECT 'load_postgres: $t ' || (SELECT count(*) FROM public.$t) || ' rows, '
                     || pg_size_pretty(pg_total_relation_size('public.$t')) || ' with its index'"
done
