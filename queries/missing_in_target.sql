-- Keys in the source that no target row carries: missing_in_target (one per distinct key).
-- Input:  source_keys, target_keys (key_counts.sql per side).
-- Output: ordinal (a source row carrying the key), source_count. Planned as a LeftAnti hash join.
SELECT s.ordinal, s.n AS source_count
FROM source_keys s
WHERE NOT EXISTS (SELECT 1 FROM target_keys t WHERE t.key_hi = s.key_hi AND t.key_lo = s.key_lo)
