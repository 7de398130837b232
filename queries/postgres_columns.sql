-- The columns of a PostgreSQL table, or of every table of a schema, in table order; a column of a domain type
-- is read as the domain's base type (through domains over domains), with the type modifier the domain sets
-- (numeric(12,2), varchar(8)).
-- Parameters: $1 = schema, $2 = table name (NULL: every table of the schema, ordinary or partitioned, as an
--             audit's catalog lists them; a named relation may be any, a view included).
-- Output: name, type (pg_type.typname, or 'enum' for enum types), typmod (numeric precision and scale,
--         varchar length; -1 when unconstrained), declared (format_type of that type: e.g.
--         'character varying(20)', 'numeric(12,2)', 'jsonb'), cast (the type schema-qualified and without
--         modifier, e.g. 'pg_catalog.bpchar', 'public.mood': what a key literal is cast to, so that a VALUES list
--         of keys has the column's own type and never truncates, as 'character' = char(1) would), table,
--         oid (the type's), nested (an array or composite type: its parts come from postgres_type_tree.sql),
--         dims (the dimensions the column declares: int[][] is 2, 0 when not said).
WITH RECURSIVE columns (relname, attnum, name, typid, typmod, dims) AS (
    SELECT c.relname::text, a.attnum, a.attname::text, a.atttypid, a.atttypmod, a.attndims
    FROM pg_catalog.pg_attribute a
    JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = $1 AND (c.relname = $2 OR ($2::text IS NULL AND c.relkind IN ('r', 'p')))
      AND a.attnum > 0 AND NOT a.attisdropped
  UNION ALL
    SELECT col.relname, col.attnum, col.name, t.typbasetype, CASE WHEN t.typtypmod <> -1 THEN t.typtypmod ELSE col.typmod END,
           col.dims
    FROM columns col
    JOIN pg_catalog.pg_type t ON t.oid = col.typid
    WHERE t.typtype = 'd'
)
SELECT col.name,
       CASE WHEN t.typtype = 'e' THEN 'enum' ELSE t.typname::text END AS type,
       col.typmod,
       format_type(col.typid, col.typmod) AS declared,
       format('%I.%I', tn.nspname, t.typname) AS cast,
       col.relname AS table,
       t.oid::int8 AS oid,
       (t.typtype = 'c' OR (t.typcategory = 'A' AND t.typelem <> 0)) AS nested,
       col.dims::int4 AS dims
FROM columns col
JOIN pg_catalog.pg_type t ON t.oid = col.typid
JOIN pg_catalog.pg_namespace tn ON tn.oid = t.typnamespace
WHERE t.typtype <> 'd'
ORDER BY col.relname, col.attnum
