-- A table's latest run. Input: ?1 table name. Output: id, started, key_form, spec_hash, key_columns (no row:
-- the table has no run yet).
SELECT id, started, key_form, spec_hash, key_columns FROM runs WHERE table_name = ?1 ORDER BY id DESC LIMIT 1
