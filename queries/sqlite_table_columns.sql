-- The columns of a SQLite database's tables, in table order, with what keys and constraints need: whether it
-- is declared NOT NULL, its place in the primary key (INTEGER PRIMARY KEY rowid aliases included, which have
-- no index of their own), and whether its table is WITHOUT ROWID or STRICT (both make primary key columns
-- NOT NULL, which an ordinary table does not: https://sqlite.org/lang_createtable.html#the_primary_key).
-- Parameters: ?1 = one table's name, or NULL for every table of the main schema.
-- Output: table_name, column_name, not_null (1 when declared NOT NULL), pk (1-based position in the primary
--         key, 0 outside it), without_rowid, strict.
SELECT t.name AS table_name, c.name AS column_name, c."notnull" AS not_null, c.pk, t.wr AS without_rowid, t.strict
FROM pragma_table_list AS t
JOIN pragma_table_info(t.name) AS c
WHERE t.schema = 'main' AND t.type = 'table' AND (?1 IS NULL OR t.name = ?1)
ORDER BY t.name, c.cid
