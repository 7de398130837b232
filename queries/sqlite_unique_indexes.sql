-- The columns of the unique indexes of a SQLite database's tables, in key order: UNIQUE constraints (origin
-- 'u'), CREATE UNIQUE INDEX ('c') and the index behind a primary key that is not a rowid alias ('pk').
-- Partial indexes are left out; an expression part has no column name (the caller drops such an index).
-- Parameters: ?1 = one table's name, or NULL for every table of the main schema.
-- Output: table_name, index_name, origin, column_name.
SELECT t.name AS table_name, il.name AS index_name, il.origin, ii.name AS column_name
FROM pragma_table_list AS t
JOIN pragma_index_list(t.name) AS il
JOIN pragma_index_info(il.name) AS ii
WHERE t.schema = 'main' AND t.type = 'table' AND (?1 IS NULL OR t.name = ?1)
  AND il."unique" = 1 AND il.partial = 0
ORDER BY t.name, il.name, ii.seqno
