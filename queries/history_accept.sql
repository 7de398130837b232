-- Makes a table's open findings its baseline. Inputs: ?1 table name, ?2 now (RFC 3339). Output: none.
UPDATE findings SET accepted = ?2 WHERE table_name = ?1 AND resolved_in IS NULL AND accepted IS NULL
