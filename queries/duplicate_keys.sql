-- Keys carried by more than one row on either side, with both sides' counts (0 where a side lacks the key).
-- Input:  key_pairs (key_pairs.sql).
-- Output: source_count, target_count, source_ordinal, target_ordinal (NULL where that side lacks the key).
SELECT source_count, target_count, source_ordinal, target_ordinal
FROM key_pairs
WHERE source_count > 1 OR target_count > 1
