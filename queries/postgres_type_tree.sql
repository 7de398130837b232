-- The types a nested PostgreSQL type (an array or a composite) is made of, each once: arrays' element types,
-- domains' base types, composites' field types, down to scalars.
-- Parameters: $1 = the type's oid (int8).
-- Output: oid, name (typname, or 'enum' for enum types), kind ('array', 'composite', 'domain' or 'scalar'),
--         element (an array's element type, a domain's base type; 0 otherwise), typmod (a domain's type modifier,
--         -1 when none), and a composite's fields in declared order: field_names, field_types, field_typmods,
--         field_dims (the dimensions an array field declares).
WITH RECURSIVE reached (oid) AS (
    SELECT $1::int8::oid
  UNION
    SELECT part.oid
    FROM reached r
    JOIN pg_catalog.pg_type t ON t.oid = r.oid
    CROSS JOIN LATERAL (
        SELECT t.typelem AS oid WHERE t.typcategory = 'A' AND t.typelem <> 0
        UNION ALL
        SELECT t.typbasetype WHERE t.typtype = 'd'
        UNION ALL
        SELECT a.atttypid FROM pg_catalog.pg_attribute a
        WHERE t.typtype = 'c' AND a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped
    ) part
)
SELECT t.oid::int8 AS oid,
       CASE WHEN t.typtype = 'e' THEN 'enum' ELSE t.typname::text END AS name,
       CASE WHEN t.typtype = 'c' THEN 'composite'
            WHEN t.typtype = 'd' THEN 'domain'
            WHEN t.typcategory = 'A' AND t.typelem <> 0 THEN 'array'
            ELSE 'scalar' END AS kind,
       (CASE WHEN t.typtype = 'd' THEN t.typbasetype WHEN t.typcategory = 'A' THEN t.typelem ELSE 0 END)::int8 AS element,
       t.typtypmod AS typmod,
       ARRAY(SELECT a.attname::text FROM pg_catalog.pg_attribute a
             WHERE a.attrelid = t.typrelid AND t.typtype = 'c' AND a.attnum > 0 AND NOT a.attisdropped
             ORDER BY a.attnum) AS field_names,
       ARRAY(SELECT a.atttypid::int8 FROM pg_catalog.pg_attribute a
             WHERE a.attrelid = t.typrelid AND t.typtype = 'c' AND a.attnum > 0 AND NOT a.attisdropped
             ORDER BY a.attnum) AS field_types,
       ARRAY(SELECT a.atttypmod FROM pg_catalog.pg_attribute a
             WHERE a.attrelid = t.typrelid AND t.typtype = 'c' AND a.attnum > 0 AND NOT a.attisdropped
             ORDER BY a.attnum) AS field_typmods,
       ARRAY(SELECT a.attndims::int4 FROM pg_catalog.pg_attribute a
             WHERE a.attrelid = t.typrelid AND t.typtype = 'c' AND a.attnum > 0 AND NOT a.attisdropped
             ORDER BY a.attnum) AS field_dims
FROM reached r
JOIN pg_catalog.pg_type t ON t.oid = r.oid
