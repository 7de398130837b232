-- Records a finding first seen by run ?6. Inputs: ?1 table name, ?2 category, ?3 key hash (16 bytes), ?4 key
-- (JSON), ?5 differing columns (JSON or NULL), ?6 run id, ?7 the run's start (RFC 3339). Output: none.
INSERT INTO findings (table_name, category, key_hash, key, columns, first_seen, first_seen_at, last_seen)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?6)
