-- Releases a table's lock if this process holds it. Inputs: ?1 table name, ?2 pid, ?3 host, ?4 process start.
-- Output: none.
DELETE FROM locks WHERE table_name = ?1 AND pid = ?2 AND host = ?3 AND process_start = ?4
