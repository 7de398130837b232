-- The columns of the foreign keys of a MySQL/MariaDB database's tables, in key order, each with the column it
-- references.
-- Parameters: ? = schema (NULL for the connection's database).
-- Output: table_name, name, column_name, referenced_schema, referenced_table, referenced_column.
SELECT CAST(table_name AS CHAR) AS table_name,
       CAST(constraint_name AS CHAR) AS name,
       CAST(column_name AS CHAR) AS column_name,
       CAST(referenced_table_schema AS CHAR) AS referenced_schema,
       CAST(referenced_table_name AS CHAR) AS referenced_table,
       CAST(referenced_column_name AS CHAR) AS referenced_column
FROM information_schema.key_column_usage
WHERE table_schema = COALESCE(?, DATABASE()) AND referenced_table_name IS NOT NULL
ORDER BY table_name, constraint_name, ordinal_position
