-- The columns of a PostgreSQL schema's tables filled from a sequence: serial, bigserial and identity columns
-- (their sequence depends on the column: pg_depend deptype 'a' or 'i') and any column whose default calls
-- nextval() on a sequence (the default, a pg_attrdef row, depends on the sequence). The sequence is read as the
-- pg_sequences view reads it, never with nextval(): pg_sequence_last_value() is NULL until the sequence is first
-- used, and only a user allowed to read the sequence may call it. (Joining the view itself made the planner
-- rebuild it once per column.) Sequences are not transactional: the value is the current one, not the
-- snapshot's.
-- Parameters: $1 = schema.
-- Output: table_name, column_name, sequence_name (schema-qualified when the sequence lives in another schema),
--         next_value (text: what the next nextval() returns, computed without calling it; NULL when this
--         user may not read the sequence).
WITH tables AS (
    SELECT c.oid
    FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')
), links (table_oid, attnum, sequence_oid) AS (
    SELECT d.refobjid, d.refobjsubid, d.objid
    FROM pg_catalog.pg_depend d
    WHERE d.refclassid = 'pg_catalog.pg_class'::regclass AND d.refobjid IN (SELECT oid FROM tables)
      AND d.classid = 'pg_catalog.pg_class'::regclass AND d.deptype IN ('a', 'i') AND d.refobjsubid > 0
  UNION
    SELECT def.adrelid, def.adnum, d.refobjid
    FROM pg_catalog.pg_attrdef def
    JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_attrdef'::regclass AND d.objid = def.oid
    WHERE def.adrelid IN (SELECT oid FROM tables) AND d.refclassid = 'pg_catalog.pg_class'::regclass
)
SELECT t.relname::text AS table_name,
       a.attname::text AS column_name,
       CASE WHEN sn.nspname = $1 THEN s.relname::text ELSE sn.nspname || '.' || s.relname END AS sequence_name,
       (CASE WHEN has_sequence_privilege(s.oid, 'SELECT,USAGE')
             THEN coalesce(pg_catalog.pg_sequence_last_value(s.oid)::numeric + seq.seqincrement, seq.seqstart)
        END)::text AS next_value
FROM links l
JOIN pg_catalog.pg_class s ON s.oid = l.sequence_oid AND s.relkind = 'S'
JOIN pg_catalog.pg_namespace sn ON sn.oid = s.relnamespace
JOIN pg_catalog.pg_sequence seq ON seq.seqrelid = s.oid
JOIN pg_catalog.pg_class t ON t.oid = l.table_oid
JOIN pg_catalog.pg_attribute a ON a.attrelid = t.oid AND a.attnum = l.attnum
ORDER BY t.relname, a.attnum, sequence_name
