-- Every key of the residue with how many rows carry it on each side (0 where a side lacks it). Registered as
-- the view `key_pairs`: duplicate_keys.sql picks the duplicated keys from it, and a keyless comparison (where
-- a key is a whole row, its hash the hash of every compared value) reads it whole: missing and extra rows are
-- the differences of the counts.
-- Input:  source_keys, target_keys (key_counts.sql per side).
-- Output: source_count, target_count, source_ordinal, target_ordinal (NULL where that side lacks the key).
SELECT CAST(coalesce(s.n, 0) AS BIGINT UNSIGNED) AS source_count,
       CAST(coalesce(t.n, 0) AS BIGINT UNSIGNED) AS target_count,
       s.ordinal AS source_ordinal,
       t.ordinal AS target_ordinal
FROM source_keys s
FULL OUTER JOIN target_keys t ON s.key_hi = t.key_hi AND s.key_lo = t.key_lo
