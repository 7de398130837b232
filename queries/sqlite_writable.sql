-- The columns of one SQLite table as a repair script writes them: generated columns (pragma_table_xinfo's hidden
-- 2 = VIRTUAL, 3 = STORED: no INSERT or UPDATE may name them). An INTEGER PRIMARY KEY (rowid alias), with or
-- without AUTOINCREMENT, takes explicit values, and sqlite_sequence moves past them by itself.
-- Parameters: ?1 = table.
-- Output: name, generated (1/0).
SELECT name, hidden IN (2, 3) AS generated FROM pragma_table_xinfo(?1) ORDER BY cid
