-- The columns of a MariaDB table declared JSON: MariaDB stores JSON as LONGTEXT with the column check
-- json_valid(`name`), which information_schema.check_constraints lists (MariaDB 10.2+, MySQL 8.0.16+; MySQL's
-- own JSON type needs no such check and has none).
-- Parameters: ? = schema (NULL for the connection's database), ? and ? = one table's name, or NULL for every
--             table (the same value twice).
-- Output: column_name, table_name.
SELECT CAST(SUBSTRING(check_clause, 13, CHAR_LENGTH(check_clause) - 14) AS CHAR) AS column_name,
       CAST(table_name AS CHAR) AS table_name
FROM information_schema.check_constraints
WHERE constraint_schema = COALESCE(?, DATABASE()) AND (? IS NULL OR table_name = ?)
  AND check_clause LIKE 'json\_valid(`%`)'
