-- The NOT NULL columns of a PostgreSQL schema's tables, in table order.
-- Parameters: $1 = schema, $2 = one table's name, or NULL for every table of the schema.
-- Output: table_name, column_name.
SELECT c.relname::text AS table_name, a.attname::text AS column_name
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND ($2::text IS NULL OR c.relname = $2)
  AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped AND a.attnotnull
ORDER BY c.relname, a.attnum
