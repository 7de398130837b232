-- Keys with exactly one row on each side whose row hashes differ: candidates for `mismatched`, confirmed
-- value by value in the row tier.
-- Input:  source_keys, target_keys (key_counts.sql per side).
-- Output: source_ordinal, target_ordinal of the two rows.
SELECT s.ordinal AS source_ordinal, t.ordinal AS target_ordinal
FROM source_keys s
JOIN target_keys t ON s.key_hi = t.key_hi AND s.key_lo = t.key_lo
WHERE s.n = 1 AND t.n = 1 AND (s.row_hi <> t.row_hi OR s.row_lo <> t.row_lo)
