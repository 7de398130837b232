-- Whether a PostgreSQL table read over ODBC has a primary key: psqlodbc's SQLPrimaryKeys answers with a unique
-- index for a table without one, which is no primary key (keys are discovered from unique indexes after it).
-- Parameters: ? = schema, ? = table name.
-- Output: the number of primary key constraints (0 or 1).
SELECT count(*)
FROM pg_catalog.pg_constraint k
JOIN pg_catalog.pg_class c ON c.oid = k.conrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE k.contype = 'p' AND n.nspname = ? AND c.relname = ?
