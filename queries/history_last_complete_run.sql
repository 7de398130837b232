-- A table's latest run that compared every row changed before its start (a whole-table or --since-last-run
-- run). Input: ?1 table name. Output: id, complete_source, complete_target (no row: none yet).
SELECT id, complete_source, complete_target FROM runs
WHERE table_name = ?1 AND complete_source IS NOT NULL AND complete_target IS NOT NULL
ORDER BY id DESC LIMIT 1
