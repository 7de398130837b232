-- An open finding seen again. Inputs: ?1 finding id, ?2 run id, ?3 differing columns (JSON or NULL: kept as
-- they were). Output: none.
UPDATE findings SET last_seen = ?2, columns = coalesce(?3, columns) WHERE id = ?1
