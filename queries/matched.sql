-- Keys of the residue with exactly one row on each side and equal row hashes: matched.
-- Input:  source_keys, target_keys (key_counts.sql per side).
-- Output: one row, matched.
SELECT CAST(count(*) AS BIGINT UNSIGNED) AS matched
FROM source_keys s
JOIN target_keys t ON s.key_hi = t.key_hi AND s.key_lo = t.key_lo
WHERE s.n = 1 AND t.n = 1 AND s.row_hi = t.row_hi AND s.row_lo = t.row_lo
