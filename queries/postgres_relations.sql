-- Every relation a PostgreSQL user could name as a table, with its schema: to say, of a table that is not in
-- the schema searched, where a table of that name is, or which name is near it. Tables, partitioned tables,
-- views, materialized views and foreign tables; not partitions, nor PostgreSQL's own schemas.
-- Parameters: none.
-- Output: schema, name.
SELECT n.nspname::text AS schema, c.relname::text AS name
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND NOT c.relispartition
  AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\_%'
ORDER BY 1, 2
