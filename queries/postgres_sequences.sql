-- The columns of a PostgreSQL schema's tables filled from a sequence: serial, bigserial and identity columns
-- (their sequence depends on the column: pg_depend deptype 'a' or 'i') and any column whose default calls
-- nextval() on a sequence (the default, a pg_attrdef row, depends on the sequence). The sequence is read from
-- pg_sequences, never with nextval(): its last_value is NULL until the sequence is first used, or when this
-- user may not read it. Sequences are not transactional: the value is the current one, not the snapshot's.
-- Parameters: $1 = schema.
-- Output: table_name, column_name, sequence_name (schema-qualified when the sequence lives in another schema),
--         next_value (text: what the next nextval() returns, computed without calling it; NULL when this
--         user may not read the sequence).
WITH links (table_oid, attnum, sequence_oid) AS (
    SELECT d.refobjid, d.refobjsubid, d.objid
    FROM pg_catalog.pg_depend d
    WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.refclassid = 'pg_catalog.pg_class'::regclass
      AND d.deptype IN ('a', 'i') AND d.refobjsubid > 0
  UNION
    SELECT def.adrelid, def.adnum, d.refobjid
    FROM pg_catalog.pg_attrdef def
    JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_attrdef'::regclass AND d.objid = def.oid
    WHERE d.refclassid = 'pg_catalog.pg_class'::regclass
)
SELECT t.relname::text AS table_name,
       a.attname::text AS column_name,
       CASE WHEN sn.nspname = $1 THEN s.relname::text ELSE sn.nspname || '.' || s.relname END AS sequence_name,
       (CASE WHEN NOT has_sequence_privilege(s.oid, 'SELECT,USAGE') THEN NULL
             WHEN seq.last_value IS NULL THEN seq.start_value::numeric
             ELSE seq.last_value::numeric + seq.increment_by END)::text AS next_value
FROM links l
JOIN pg_catalog.pg_class s ON s.oid = l.sequence_oid AND s.relkind = 'S'
JOIN pg_catalog.pg_namespace sn ON sn.oid = s.relnamespace
JOIN pg_catalog.pg_sequences seq ON seq.schemaname = sn.nspname AND seq.sequencename = s.relname
JOIN pg_catalog.pg_class t ON t.oid = l.table_oid
JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace
JOIN pg_catalog.pg_attribute a ON a.attrelid = t.oid AND a.attnum = l.attnum
WHERE n.nspname = $1
ORDER BY t.relname, a.attnum, sequence_name
