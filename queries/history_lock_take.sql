-- Takes a table's lock (replacing one left by a process that is gone). Inputs: ?1 table name, ?2 pid, ?3 host,
-- ?4 process start, ?5 since (RFC 3339). Output: none.
INSERT OR REPLACE INTO locks (table_name, pid, host, process_start, since) VALUES (?1, ?2, ?3, ?4, ?5)
