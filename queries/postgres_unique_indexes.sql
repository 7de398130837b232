-- The unique indexes of a PostgreSQL schema's tables, primary keys included, that make rows unique over
-- whole columns: valid, not partial (a WHERE clause makes rows unique only among those it keeps) and without
-- expressions. INCLUDE columns are not part of the key (only the first indnkeyatts are).
-- Parameters: $1 = schema, $2 = one table's name, or NULL for every table of the schema.
-- Output: table_name, index_name (a constraint's index bears the constraint's name), is_primary,
--         columns (text[], in key order).
SELECT t.relname::text AS table_name,
       i.relname::text AS index_name,
       x.indisprimary AS is_primary,
       array_agg(a.attname::text ORDER BY k.ord) AS columns
FROM pg_catalog.pg_index x
JOIN pg_catalog.pg_class t ON t.oid = x.indrelid
JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace
JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid
CROSS JOIN LATERAL unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
JOIN pg_catalog.pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
WHERE n.nspname = $1 AND ($2::text IS NULL OR t.relname = $2)
  AND x.indisunique AND x.indisvalid AND x.indpred IS NULL AND x.indexprs IS NULL
  AND k.ord <= x.indnkeyatts
GROUP BY t.relname, i.relname, x.indisprimary
