-- The tables of a SQLite database that an audit compares: ordinary tables of the main schema, not views,
-- virtual tables, the shadow tables that hold a virtual table's data, nor SQLite's own sqlite_* tables
-- (PRAGMA table_list, SQLite 3.37+: https://sqlite.org/pragma.html#pragma_table_list).
-- Parameters: none.
-- Output: name, sql (the CREATE TABLE statement, which alone says whether the table is AUTOINCREMENT).
SELECT t.name, s.sql
FROM pragma_table_list AS t
JOIN sqlite_schema AS s ON s.type = 'table' AND s.name = t.name
WHERE t.schema = 'main' AND t.type = 'table' AND t.name NOT LIKE 'sqlite\_%' ESCAPE '\'
