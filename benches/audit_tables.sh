#!/usr/bin/env bash
# Why: what an audit costs per table beyond the rows it reads. 200 tables of 1,000 rows each, PostgreSQL against
# MariaDB, audited with `recon audit` (--jobs 2), against one `recon diff` of a 200,000-row table pair between the
# same servers (the same rows in one table). Issue 17 aims at most 2x.
# Usage (from the repo root): benches/audit_tables.sh   (RUNS=5 by default, interleaved; medians and ratio printed)
# recon binary: $RECON_BIN, else ${CARGO_TARGET_DIR:-target}/profiling/recon (cargo build --profile profiling).
# Servers: $PG_URL (postgres://postgres@127.0.0.1:5432/test) and $MY_URL (mysql://root@127.0.0.1:3306), with psql
# and the mariadb client. Loads its own schema recon_bench_audit (PostgreSQL) and database recon_bench_audit
# (MariaDB) once; `FRESH=1` reloads them.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd) ROOT=$(cd "$HERE/.." && pwd)
RECON=${RECON_BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/profiling/recon}
RUNS=${RUNS:-5} TABLES=${TABLES:-200} ROWS=${ROWS:-1000}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432/test}
MY_URL=${MY_URL:-mysql://root@127.0.0.1:3306}
[ -x "$RECON" ] || { echo "recon binary not found at $RECON (set RECON_BIN or build it)" >&2; exit 2; }

# One row's columns, the same in both engines: an integer key, an integer, text, a decimal and a timestamp.
pg_table() { # name, rows
  echo "CREATE TABLE recon_bench_audit.$1 (id int PRIMARY KEY, n int NOT NULL, label text, amount numeric(12,2),
        at timestamp); INSERT INTO recon_bench_audit.$1 SELECT i, i * 7 % 1000, 'row ' || i, i * 0.25,
        timestamp '2024-01-01' + i * interval '1 minute' FROM generate_series(1, $2) i;"
}
my_table() { # name, rows (MariaDB's SEQUENCE engine stands in for generate_series)
  echo "CREATE TABLE recon_bench_audit.$1 (id int PRIMARY KEY, n int NOT NULL, label text, amount decimal(12,2),
        at datetime(6)); INSERT INTO recon_bench_audit.$1 SELECT seq, seq * 7 % 1000, CONCAT('row ', seq), seq * 0.25,
        TIMESTAMP '2024-01-01 00:00:00' + INTERVAL seq MINUTE FROM seq_1_to_$2;"
}

loaded=$(psql "$PG_URL" -Atc "SELECT count(*) FROM pg_tables WHERE schemaname = 'recon_bench_audit'")
if [ "${FRESH:-0}" = 1 ] || [ "$loaded" != "$((TABLES + 1))" ]; then
  echo "loading $TABLES tables of $ROWS rows and one of $((TABLES * ROWS)) rows into both servers..." >&2
  {
    echo "DROP SCHEMA IF EXISTS recon_bench_audit CASCADE; CREATE SCHEMA recon_bench_audit;"
    for i in $(seq -w 0 $((TABLES - 1))); do pg_table "t$i" "$ROWS"; done
    pg_table one_big "$((TABLES * ROWS))"
  } | psql -q "$PG_URL" >/dev/null
  {
    echo "DROP DATABASE IF EXISTS recon_bench_audit; CREATE DATABASE recon_bench_audit; USE recon_bench_audit;"
    for i in $(seq -w 0 $((TABLES - 1))); do my_table "t$i" "$ROWS"; done
    my_table one_big "$((TABLES * ROWS))"
  } | mariadb -h 127.0.0.1 -u root
  psql -q "$PG_URL" -c "ANALYZE" >/dev/null
fi

OUT=$(mktemp -d "${TMPDIR:-/tmp}/recon-audit-tables.XXXXXX")
# The big table is left out of the audit; the tiny ones out of the diff.
run() { # tool, i
  local start end
  start=$(date +%s.%N)
  case $1 in
    audit) "$RECON" audit "$PG_URL#recon_bench_audit" "$MY_URL/recon_bench_audit" --skip-tables one_big --jobs 2 \
             --format json -q >"$OUT/audit.$2.json" || true ;;
    diff) "$RECON" diff "$PG_URL#recon_bench_audit.one_big" "$MY_URL/recon_bench_audit#one_big" \
            --format json -q >"$OUT/diff.$2.json" || true ;;
  esac
  end=$(date +%s.%N)
  echo "$1 $(echo "$end - $start" | bc)" >>"$OUT/times"
}
for i in $(seq 1 "$RUNS"); do run audit "$i"; run diff "$i"; done

python3 - "$OUT" "$RUNS" "$TABLES" <<'EOF'
# Medians, the ratio, and a check that every run compared what it should: the audit every table, matched.
import json, statistics, sys
out, runs, tables = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
times = {}
for line in open(f"{out}/times"):
    tool, seconds = line.split()
    times.setdefault(tool, []).append(float(seconds))
ok = True
for i in range(1, runs + 1):
    audit = json.load(open(f"{out}/audit.{i}.json"))
    ok &= audit["summary"]["passed"] == tables and audit["verdict"]["exit_code"] == 0
    diff = json.load(open(f"{out}/diff.{i}.json"))
    ok &= diff["verdict"]["exit_code"] == 0 and diff["summary"]["matched"] == audit["summary"]["matched"]
audit, diff = statistics.median(times["audit"]), statistics.median(times["diff"])
print(f"| run | median s ({runs} interleaved) |\n|---|---:|")
print(f"| audit of {tables} tables, --jobs 2 | {audit:.2f} |\n| diff of one table with the same rows | {diff:.2f} |")
print(f"audit / diff: {audit / diff:.2f}x; every run reconciled the same {'rows' if ok else 'ROWS: NO'}; raw: {out}")
EOF
