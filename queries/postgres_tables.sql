-- The tables of a PostgreSQL schema that an audit compares: ordinary and partitioned tables. A partitioned
-- table is audited as its parent, which reads every partition; the partitions themselves (relispartition) are
-- left out. Views, materialized views and foreign tables are not listed.
-- Parameters: $1 = schema, $2 = one table's name, or NULL for every table of the schema.
-- Output: name, estimate (rows, from the catalog without reading the table: pg_class.reltuples of the table,
--         or summed over the leaf partitions of a partitioned table; a table never vacuumed or analyzed has
--         reltuples -1 (PostgreSQL 14+) and counts the live rows the statistics system saw inserted instead).
SELECT c.relname::text AS name,
       coalesce(sum(CASE WHEN leaf.reltuples >= 0 THEN leaf.reltuples
                         ELSE pg_stat_get_live_tuples(leaf.oid) END), 0)::int8 AS estimate
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN LATERAL (
    SELECT c.oid WHERE c.relkind = 'r'
    UNION ALL
    SELECT tree.relid FROM pg_partition_tree(c.oid) AS tree WHERE tree.isleaf
) AS leaves (oid) ON true
LEFT JOIN pg_catalog.pg_class leaf ON leaf.oid = leaves.oid
WHERE n.nspname = $1 AND ($2::text IS NULL OR c.relname = $2) AND c.relkind IN ('r', 'p') AND NOT c.relispartition
GROUP BY c.relname
