-- The columns of a PostgreSQL table, in table order.
-- Parameters: $1 = schema, $2 = table name.
-- Output: name, type (pg_type.typname, or 'enum' for enum types), typmod (pg_attribute.atttypmod: numeric
--         precision and scale, varchar length; -1 when unconstrained), declared (format_type: the type as
--         declared, e.g. 'character varying(20)', 'numeric(12,2)', 'jsonb').
SELECT a.attname::text AS name,
       CASE WHEN t.typtype = 'e' THEN 'enum' ELSE t.typname::text END AS type,
       a.atttypmod AS typmod,
       format_type(a.atttypid, a.atttypmod) AS declared
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum
