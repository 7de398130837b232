#!/usr/bin/env python3
# Why: builds a benchmark target for `recon diff` from a TPC-H lineitem parquet, with known defects and exact expected counts.
"""make_defects.py SRC DST EXPECTED_JSON [--rate 0.0001] [--seed 1] [--mismatched N] [--verify]

DST = copy of SRC (same schema, row order and codec, but a different row-group size)
with n = round(rate * rows) rows in EACH category, on disjoint keys (l_orderkey, l_linenumber):
  deleted    -> missing_in_target
  added      -> extra_in_target   (a copy of a deleted row's values under a new key above max(l_orderkey))
  changed    -> mismatched        (exactly one non-key column changed, cycling through CHANGES)
  duplicated -> duplicate_keys_target (an exact copy of the row appended at the end of DST)
Added and duplicated rows go at the end of DST; everything else keeps its place.
--mismatched N: only N changed rows (no deleted, added or duplicated ones), for timing what recon does per
mismatched row (the causes and suggestions of its explanations).
Streams SRC batch by batch, so memory stays ~one row group whatever the scale factor.
--verify recounts everything with an independent DuckDB query (no hashing) and fails on any difference.
Bench-only: needs pyarrow (and duckdb for --verify), never a recon dependency.
"""
import argparse
import bisect
import datetime
import decimal
import json
import random
import sys

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

KEY = ("l_orderkey", "l_linenumber")
TARGET_ROW_GROUP = 100_000  # source (tpchgen) row groups are ~113k rows: boundaries will not line up
SHIPMODES = ["AIR", "FOB", "MAIL", "RAIL", "REG AIR", "SHIP", "TRUCK"]

# One change per changed row, cycling through these (column, function old -> new, always != old).
CHANGES = [
    ("l_quantity", lambda v: v + decimal.Decimal("1")),
    ("l_comment", lambda v: v + "~"),
    ("l_shipdate", lambda v: v + datetime.timedelta(days=1)),
    ("l_extendedprice", lambda v: v + decimal.Decimal("0.01")),
    ("l_shipmode", lambda v: SHIPMODES[(SHIPMODES.index(v) + 1) % len(SHIPMODES)] if v in SHIPMODES else v + "X"),
    ("l_tax", lambda v: v + decimal.Decimal("0.01")),
]


class RowGroupWriter:
    """Buffers batches and writes row groups of exactly `rows` rows (the last one may be shorter)."""

    def __init__(self, path, schema, rows):
        self.w = pq.ParquetWriter(path, schema, compression="snappy", write_page_index=True)
        self.schema, self.rows, self.buf, self.n, self.written = schema, rows, [], 0, 0

    def add(self, batch):
        if batch.num_rows:
            self.buf.append(batch)
            self.n += batch.num_rows
        if self.n >= self.rows:
            self._flush(self.n - self.n % self.rows)

    def _flush(self, k):
        t = pa.Table.from_batches(self.buf, self.schema)
        self.w.write_table(t.slice(0, k), row_group_size=self.rows)
        rest = t.slice(k)
        self.buf, self.n, self.written = rest.to_batches(), rest.num_rows, self.written + k

    def close(self):
        if self.n:
            self._flush(self.n)
        self.w.close()
        return self.written


def max_key_stats(md, col):
    """Max of `col` from the row-group statistics, and its total null count (None if stats are missing)."""
    i = md.schema.to_arrow_schema().get_field_index(col)
    mx, nulls = None, 0
    for g in range(md.num_row_groups):
        st = md.row_group(g).column(i).statistics
        if st is None or not st.has_min_max:
            return None, None
        mx = st.max if mx is None else max(mx, st.max)
        nulls = None if nulls is None or not st.has_null_count else nulls + st.null_count
    return mx, nulls


def verify(src, dst, expected):
    """Independent recount with DuckDB: per-key counts + column-by-column comparison (no hash)."""
    import duckdb

    con = duckdb.connect()
    cols = [c for c in pq.read_schema(src).names if c not in KEY]
    k = ", ".join(KEY)
    nullk = " OR ".join(f"{c} IS NULL" for c in KEY)
    same = " AND ".join(f"s.{c} IS NOT DISTINCT FROM t.{c}" for c in cols)
    q = f"""
    WITH sc AS (SELECT {k}, count(*) AS n FROM read_parquet('{src}') WHERE NOT ({nullk}) GROUP BY {k}),
         tc AS (SELECT {k}, count(*) AS n FROM read_parquet('{dst}') WHERE NOT ({nullk}) GROUP BY {k}),
         kc AS (SELECT {', '.join(f'coalesce(sc.{c}, tc.{c}) AS {c}' for c in KEY)},
                       coalesce(sc.n, 0) AS s, coalesce(tc.n, 0) AS t
                FROM sc FULL OUTER JOIN tc ON {' AND '.join(f'sc.{c} = tc.{c}' for c in KEY)}),
         one AS (SELECT {k} FROM kc WHERE s = 1 AND t = 1),
         eq AS (SELECT count(*) AS n FROM read_parquet('{src}') s
                JOIN one USING ({k}) JOIN read_parquet('{dst}') t USING ({k}) WHERE {same})
    SELECT
      (SELECT count(*) FROM read_parquet('{src}')) AS source_rows,
      (SELECT count(*) FROM read_parquet('{dst}')) AS target_rows,
      (SELECT n FROM eq) AS matched,
      (SELECT count(*) FROM kc WHERE t = 0) AS missing_in_target,
      (SELECT count(*) FROM kc WHERE s = 0) AS extra_in_target,
      (SELECT count(*) FROM one) - (SELECT n FROM eq) AS mismatched,
      (SELECT count(*) FROM kc WHERE s > 1) AS duplicate_keys_source,
      (SELECT count(*) FROM kc WHERE t > 1) AS duplicate_keys_target,
      (SELECT count(*) FROM read_parquet('{src}') WHERE {nullk}) AS null_keys_source,
      (SELECT count(*) FROM read_parquet('{dst}') WHERE {nullk}) AS null_keys_target
    """
    cur = con.execute(q)
    got = dict(zip([d[0] for d in cur.description], cur.fetchone()))
    bad = {f: (expected[f], got[f]) for f in expected if expected[f] != got[f]}
    if bad:
        sys.exit(f"make_defects: DuckDB recount disagrees (expected, duckdb): {bad}")
    print(f"make_defects: verified with DuckDB: {json.dumps(got)}", file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("expected_json")
    ap.add_argument("--rate", type=float, default=0.0001)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--mismatched", type=int, default=None, help="only this many changed rows, no other defects")
    ap.add_argument("--verify", action="store_true", help="recount with an independent DuckDB query")
    a = ap.parse_args()

    pf = pq.ParquetFile(a.src, pre_buffer=False)  # pre_buffer=True would hold the whole file in memory
    md, schema = pf.metadata, pf.schema_arrow
    rows = md.num_rows
    n = max(1, round(a.rate * rows))
    for c in KEY:  # the exact counts below assume non-null keys; uniqueness is checked by --verify
        _, nulls = max_key_stats(md, c)
        if nulls != 0:
            sys.exit(f"make_defects: {c} may contain NULLs (null_count={nulls}); expected counts would be wrong")
    max_orderkey, _ = max_key_stats(md, KEY[0])
    if max_orderkey is None:  # no row-group statistics: scan the one column
        max_orderkey = max(pc.max(b.column(0)).as_py() for b in pf.iter_batches(columns=[KEY[0]]))

    # Disjoint, deterministic row positions for the three in-place categories.
    n_changed, n_other = (n, n) if a.mismatched is None else (a.mismatched, 0)
    picked = random.Random(a.seed).sample(range(rows), n_changed + 2 * n_other)
    deleted = set(picked[:n_other])
    changed = sorted(picked[n_other:n_other + n_changed])
    duplicated = set(picked[n_other + n_changed:])
    change_of = {pos: CHANGES[i % len(CHANGES)] for i, pos in enumerate(changed)}

    out = RowGroupWriter(a.dst, schema, TARGET_ROW_GROUP)
    touched = sorted(picked)
    deleted_rows, dup_batches, start = [], [], 0
    for batch in pf.iter_batches(batch_size=65_536):
        end = start + batch.num_rows
        events = [p - start for p in touched[bisect.bisect_left(touched, start):bisect.bisect_left(touched, end)]]
        cut = 0  # copy unchanged runs between events as zero-copy slices
        for i in events:
            pos = start + i
            if pos in duplicated:
                # a deep copy: a 1-row slice (or take) would keep the whole batch's buffers alive until the end
                dup_batches.append(pa.RecordBatch.from_pylist(batch.slice(i, 1).to_pylist(), schema=schema))
                continue
            out.add(batch.slice(cut, i - cut))
            cut = i + 1
            row = batch.slice(i, 1).to_pylist()[0]
            if pos in deleted:
                deleted_rows.append(row)
            else:
                col, fn = change_of[pos]
                row[col] = fn(row[col])
                out.add(pa.RecordBatch.from_pylist([row], schema=schema))
        out.add(batch.slice(cut))
        start = end

    # Added rows: a deleted row's values under a brand-new key (orderkey above the source max).
    added = [dict(r, l_orderkey=max_orderkey + 1 + i, l_linenumber=1) for i, r in enumerate(deleted_rows)]
    out.add(pa.RecordBatch.from_pylist(added, schema=schema))
    for b in dup_batches:
        out.add(b)
    target_rows = out.close()

    expected = {
        "source_rows": rows,
        "target_rows": target_rows,
        "matched": rows - len(deleted) - len(changed) - len(duplicated),
        "missing_in_target": len(deleted),
        "extra_in_target": len(added),
        "mismatched": len(changed),
        "duplicate_keys_source": 0,
        "duplicate_keys_target": len(duplicated),
        "null_keys_source": 0,
        "null_keys_target": 0,
    }
    assert target_rows == rows - len(deleted) + len(added) + len(duplicated), "row accounting is off"
    if a.verify:
        verify(a.src, a.dst, expected)
    with open(a.expected_json, "w") as f:
        json.dump(expected, f, indent=2)
        f.write("\n")
    print(json.dumps(expected))


if __name__ == "__main__":
    main()
