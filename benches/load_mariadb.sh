#!/usr/bin/env bash
# Why: puts the TPC-H benchmark pair (benches/make_data.sh) into MariaDB, so the scripts that read MariaDB
# (db_connections.sh, odbc.sh) time real tables, loaded once and kept.
# Usage (from the repo root): benches/load_mariadb.sh [SF] [TABLES]   (defaults 1 and "lineitem_src lineitem_dst")
# Loads $DIR/lineitem.parquet -> lineitem_src with PRIMARY KEY (l_orderkey, l_linenumber), and
# $DIR/lineitem_target.parquet -> lineitem_dst with a non-unique index on the same columns (it holds 600 duplicated
# keys at SF1), into $MYURL (default mysql://root@127.0.0.1:3306/test; a root-like user without a password: a
# benchmark server). A table that already holds the Parquet file's row count is kept.
# Path: DuckDB writes a CSV, then LOAD DATA LOCAL INFILE and ANALYZE TABLE.
set -euo pipefail

SF=${1:-1}
TABLES=${2:-lineitem_src lineitem_dst}
HERE=$(cd "$(dirname "$0")" && pwd)
MYURL=${MYURL:-mysql://root@127.0.0.1:3306/test}
DIR=$("$HERE/make_data.sh" "$SF" | tail -n 1)
command -v mysql >/dev/null || { echo "load_mariadb: mysql not found (apt-get install mariadb-client)" >&2; exit 1; }

my_db=${MYURL##*/} my_hostport=${MYURL#*@} my_hostport=${my_hostport%%/*}
mysql_() { mysql -h "${my_hostport%%:*}" -P "${my_hostport##*:}" -u root --local-infile=1 "$my_db" "$@"; }

load() {  # load TABLE PARQUET KEY_CLAUSE
  local table=$1 file=$2 key=$3 want have csv t0
  want=$(python3 -c 'import sys, pyarrow.parquet as pq; print(pq.ParquetFile(sys.argv[1]).metadata.num_rows)' "$file")
  have=$(mysql_ -N -e "SELECT COUNT(*) FROM $table" 2>/dev/null || echo -1)
  if [ "$have" = "$want" ]; then
    echo "load_mariadb: $table already has $have rows, kept"
    return
  fi
  echo "load_mariadb: loading $file -> $my_db.$table ($want rows)"
  t0=$SECONDS
  csv=$(mktemp "${TMPDIR:-/tmp}/lineitem.XXXXXX.csv")
  python3 - "$file" "$csv" <<'EOF'
import sys, duckdb
con = duckdb.connect()
con.execute("SET threads = 2")
src, dst = (a.replace("'", "''") for a in sys.argv[1:3])
cols = ("l_orderkey, l_partkey, l_suppkey, l_linenumber, l_quantity, l_extendedprice, l_discount, l_tax, "
        "l_returnflag, l_linestatus, l_shipdate, l_commitdate, l_receiptdate, l_shipinstruct, l_shipmode, l_comment")
con.execute(f"COPY (SELECT {cols} FROM read_parquet('{src}')) TO '{dst}' (FORMAT csv, HEADER false)")
EOF
  mysql_ -e "DROP TABLE IF EXISTS $table; CREATE TABLE $table (
      l_orderkey BIGINT NOT NULL, l_partkey BIGINT NOT NULL, l_suppkey BIGINT NOT NULL, l_linenumber INT NOT NULL,
      l_quantity DECIMAL(15,2) NOT NULL, l_extendedprice DECIMAL(15,2) NOT NULL, l_discount DECIMAL(15,2) NOT NULL,
      l_tax DECIMAL(15,2) NOT NULL, l_returnflag CHAR(1) NOT NULL, l_linestatus CHAR(1) NOT NULL,
      l_shipdate DATE NOT NULL, l_commitdate DATE NOT NULL, l_receiptdate DATE NOT NULL,
      l_shipinstruct CHAR(25) NOT NULL, l_shipmode CHAR(10) NOT NULL, l_comment VARCHAR(44) NOT NULL,
      $key);
    LOAD DATA LOCAL INFILE '$csv' INTO TABLE $table FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '\"';
    ANALYZE TABLE $table;" >/dev/null
  rm -f "$csv"
  have=$(mysql_ -N -e "SELECT COUNT(*) FROM $table")
  [ "$have" = "$want" ] || { echo "load_mariadb: $table has $have rows after the load, expected $want" >&2; exit 1; }
  echo "load_mariadb: $table loaded in $((SECONDS - t0)) s"
}

for table in $TABLES; do
  case $table in
    lineitem_src) load lineitem_src "$DIR/lineitem.parquet" "PRIMARY KEY (l_orderkey, l_linenumber)" ;;
    lineitem_dst) load lineitem_dst "$DIR/lineitem_target.parquet" "KEY lineitem_dst_key (l_orderkey, l_linenumber)" ;;
    *) echo "load_mariadb: unknown table $table (lineitem_src, lineitem_dst)" >&2; exit 2 ;;
  esac
done
