-- The columns of the foreign keys of a SQLite database's tables, in key order. SQLite keeps no name for a
-- foreign key: id numbers them within their table. A key declared without referenced columns references the
-- parent's primary key, and its referenced column is NULL here.
-- Parameters: none.
-- Output: table_name, id, referenced_table, column_name, referenced_column.
SELECT t.name AS table_name, fk.id, fk."table" AS referenced_table, fk."from" AS column_name,
       fk."to" AS referenced_column
FROM pragma_table_list AS t
JOIN pragma_foreign_key_list(t.name) AS fk
WHERE t.schema = 'main' AND t.type = 'table'
ORDER BY t.name, fk.id, fk.seq
