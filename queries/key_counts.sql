-- Per-key row counts of one side's residue ({side} is `source` or `target`).
-- Input:  {side}_rows(key_hi, key_lo, row_hi, row_lo, ordinal UInt64): rows of buckets whose fingerprints differ.
-- Output: one row per distinct key: n rows carry it; row_hi/row_lo/ordinal are its row's when n = 1, else the
--         smallest of each (ordinal then names one of its rows, for examples).
SELECT key_hi,
       key_lo,
       CAST(count(*) AS BIGINT UNSIGNED) AS n,
       min(row_hi) AS row_hi,
       min(row_lo) AS row_lo,
       min(ordinal) AS ordinal
FROM {side}_rows
GROUP BY key_hi, key_lo
