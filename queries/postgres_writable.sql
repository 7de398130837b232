-- The columns of one PostgreSQL table as a repair script writes them: generated columns (no INSERT or UPDATE may
-- name them), identity columns (an INSERT naming one needs OVERRIDING SYSTEM VALUE) and the sequence a serial or
-- identity column takes its values from (pg_get_serial_sequence: NULL when no sequence belongs to the column).
-- Parameters: $1 = schema, $2 = table.
-- Output: name, generated (bool), identity (bool), sequence (text, quoted and schema-qualified as needed; NULL
--         when none).
SELECT a.attname::text AS name,
       a.attgenerated = 's' AS generated,
       a.attidentity IN ('a', 'd') AS identity,
       pg_catalog.pg_get_serial_sequence(format('%I.%I', n.nspname, c.relname), a.attname) AS sequence
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum
