#!/usr/bin/env python3
# Why: the peer for `recon diff` benchmarks: the same keyed classification as ONE DuckDB query, timed as a whole process.
"""duckdb_diff.py SRC DST [--threads N] [--key l_orderkey,l_linenumber] [--memory-limit 2GB] [--temp-dir DIR]
                 [--max-temp-size 10GB]

SRC and DST are Parquet files (or globs of them), or CSV files with a header row when named *.csv.
--memory-limit and --temp-dir set DuckDB's memory_limit and temp_directory (where it spills); --max-temp-size
caps that spill (DuckDB's max_temp_directory_size; its default is 90% of the disk's free space).

Prints JSON counts with the same names as recon's summary and benches/*/expected.json:
per key, s/t = rows in SRC/DST; s>=1,t=0 missing_in_target; s=0,t>=1 extra_in_target;
s=t=1 matched/mismatched by a hash over all non-key columns; s>1 or t>1 counted as
duplicate_keys_source/target (one per distinct key); rows with a NULL key part are only
counted in null_keys_* (NULL never equals anything in the join, so they never match).
Bench-only: needs the `duckdb` Python package, never a recon dependency.
"""
import argparse
import json
import sys
import time

import duckdb

# Per side: one hash aggregate by key (row count + hash of the non-key columns, which is only
# read when the count is 1), then one hash full outer join of the two aggregates, then one
# ungrouped pass of FILTERed counts. Each file is scanned once; only its columns are read.
QUERY = """
WITH s AS (SELECT {k}, count(*) AS n, any_value(hash(*COLUMNS(* EXCLUDE ({k})))) AS h
           FROM {src} GROUP BY {k}),
     t AS (SELECT {k}, count(*) AS n, any_value(hash(*COLUMNS(* EXCLUDE ({k})))) AS h
           FROM {dst} GROUP BY {k}),
     j AS (SELECT coalesce(s.n, 0) AS sn, coalesce(t.n, 0) AS tn, s.h AS sh, t.h AS th,
                  s.n IS NOT NULL AND ({s_null}) AS snk,   -- this source group has a NULL key part
                  t.n IS NOT NULL AND ({t_null}) AS tnk
           FROM s FULL OUTER JOIN t ON {on})
SELECT coalesce(sum(sn), 0)::BIGINT                          AS source_rows,
       coalesce(sum(tn), 0)::BIGINT                          AS target_rows,
       count(*) FILTER (sn = 1 AND tn = 1 AND sh = th)       AS matched,
       count(*) FILTER (sn > 0 AND tn = 0 AND NOT snk)       AS missing_in_target,
       count(*) FILTER (sn = 0 AND tn > 0 AND NOT tnk)       AS extra_in_target,
       count(*) FILTER (sn = 1 AND tn = 1 AND sh <> th)      AS mismatched,
       count(*) FILTER (sn > 1 AND NOT snk)                  AS duplicate_keys_source,
       count(*) FILTER (tn > 1 AND NOT tnk)                  AS duplicate_keys_target,
       coalesce(sum(sn) FILTER (snk), 0)::BIGINT             AS null_keys_source,
       coalesce(sum(tn) FILTER (tnk), 0)::BIGINT             AS null_keys_target
FROM j
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--key", default="l_orderkey,l_linenumber", help="comma-separated key columns")
    ap.add_argument("--memory-limit", help="DuckDB's memory_limit, e.g. 2GB (default: DuckDB's own)")
    ap.add_argument("--temp-dir", help="DuckDB's temp_directory, where it spills")
    ap.add_argument("--max-temp-size", help="DuckDB's max_temp_directory_size, e.g. 10GB (default: DuckDB's own)")
    a = ap.parse_args()

    key = ['"' + c.strip().replace('"', '""') + '"' for c in a.key.split(",")]
    scan = lambda path, param: f"read_csv(${param}, header = true)" if path.endswith(".csv") else f"read_parquet(${param})"
    sql = QUERY.format(
        src=scan(a.src, "src"),
        dst=scan(a.dst, "dst"),
        k=", ".join(key),
        s_null=" OR ".join(f"s.{c} IS NULL" for c in key),
        t_null=" OR ".join(f"t.{c} IS NULL" for c in key),
        on=" AND ".join(f"s.{c} = t.{c}" for c in key),
    )
    t0 = time.perf_counter()
    con = duckdb.connect()
    con.execute(f"SET threads = {a.threads}")
    if a.memory_limit:
        con.execute(f"SET memory_limit = '{a.memory_limit}'")
    if a.temp_dir:
        con.execute(f"SET temp_directory = '{a.temp_dir}'")
    if a.max_temp_size:
        con.execute(f"SET max_temp_directory_size = '{a.max_temp_size}'")
    cur = con.execute(sql, {"src": a.src, "dst": a.dst})
    counts = dict(zip([d[0] for d in cur.description], cur.fetchone()))
    print(json.dumps(counts))
    print(f"duckdb_diff: query {time.perf_counter() - t0:.2f}s at threads={a.threads}", file=sys.stderr)


if __name__ == "__main__":
    main()
