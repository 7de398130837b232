-- A table's open findings. Input: ?1 table name. Output: id, category, key_hash, key, first_seen,
-- first_seen_at, accepted.
SELECT id, category, key_hash, key, first_seen, first_seen_at, accepted FROM findings
WHERE table_name = ?1 AND resolved_in IS NULL
