-- The columns of a SQLite table, in table order, with the type each was declared with.
-- Parameters: ? = table name.
-- Output: name, type (the declared type as written, e.g. 'DECIMAL(12,2)', or '' when none was declared).
SELECT name, type FROM pragma_table_info(?) ORDER BY cid
