-- The foreign keys of a PostgreSQL schema's tables. A foreign key on or to a partitioned table is also
-- copied onto its partitions (conparentid names the original): only originals are listed.
-- Parameters: $1 = schema.
-- Output: table_name, name, columns (text[], in key order), referenced_table (schema-qualified when it lives
--         in another schema), referenced_columns (text[], matching columns one to one).
SELECT c.relname::text AS table_name,
       k.conname::text AS name,
       (SELECT array_agg(a.attname::text ORDER BY u.ord)
        FROM unnest(k.conkey) WITH ORDINALITY AS u(attnum, ord)
        JOIN pg_catalog.pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum) AS columns,
       CASE WHEN rn.nspname = $1 THEN r.relname::text ELSE rn.nspname || '.' || r.relname END AS referenced_table,
       (SELECT array_agg(a.attname::text ORDER BY u.ord)
        FROM unnest(k.confkey) WITH ORDINALITY AS u(attnum, ord)
        JOIN pg_catalog.pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.attnum) AS referenced_columns
FROM pg_catalog.pg_constraint k
JOIN pg_catalog.pg_class c ON c.oid = k.conrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_class r ON r.oid = k.confrelid
JOIN pg_catalog.pg_namespace rn ON rn.oid = r.relnamespace
WHERE n.nspname = $1 AND k.contype = 'f' AND k.conparentid = 0
