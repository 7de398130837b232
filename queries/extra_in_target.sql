-- Keys in the target that no source row carries: extra_in_target (one per distinct key).
-- Input:  source_keys, target_keys (key_counts.sql per side).
-- Output: ordinal (a target row carrying the key), target_count. Planned as a LeftAnti hash join.
SELECT t.ordinal, t.n AS target_count
FROM target_keys t
WHERE NOT EXISTS (SELECT 1 FROM source_keys s WHERE s.key_hi = t.key_hi AND s.key_lo = t.key_lo)
