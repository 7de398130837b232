-- The NOT NULL columns of a MySQL/MariaDB database's tables, in table order.
-- Parameters: ? = schema (NULL for the connection's database), ? and ? = one table's name, or NULL for every
--             table (the same value twice).
-- Output: table_name, column_name.
SELECT CAST(table_name AS CHAR) AS table_name, CAST(column_name AS CHAR) AS column_name
FROM information_schema.columns
WHERE table_schema = COALESCE(?, DATABASE()) AND (? IS NULL OR table_name = ?) AND is_nullable = 'NO'
ORDER BY table_name, ordinal_position
