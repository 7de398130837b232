-- Keyless comparison: each distinct whole row of the residue (its key hash is the hash of every compared
-- value) with how many rows hold it on each side; missing and extra rows are the differences of the counts.
-- Input:  source_keys, target_keys (key_counts.sql per side).
-- Output: source_count, target_count, source_ordinal, target_ordinal (NULL where that side lacks the row).
SELECT CAST(coalesce(s.n, 0) AS BIGINT UNSIGNED) AS source_count,
       CAST(coalesce(t.n, 0) AS BIGINT UNSIGNED) AS target_count,
       s.ordinal AS source_ordinal,
       t.ordinal AS target_ordinal
FROM source_keys s
FULL OUTER JOIN target_keys t ON s.key_hi = t.key_hi AND s.key_lo = t.key_lo
