-- Records when a table's baseline was accepted. Inputs: ?1 table name, ?2 now (RFC 3339). Output: none.
INSERT OR REPLACE INTO baselines (table_name, accepted) VALUES (?1, ?2)
