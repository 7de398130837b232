-- The unconstrained numeric columns of a PostgreSQL table read over ODBC: psqlodbc describes `numeric` without
-- precision as numeric(28,6), and a value read at that scale would be rounded, so recon reads them as
-- decimal text, as its native reader does.
-- Parameters: ? = schema, ? = table name.
-- Output: name.
SELECT a.attname::text
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ? AND c.relname = ? AND a.attnum > 0 AND NOT a.attisdropped
  AND a.atttypid = 'pg_catalog.numeric'::pg_catalog.regtype AND a.atttypmod = -1
