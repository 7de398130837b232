-- The columns of the unique indexes of a MySQL/MariaDB database's tables, the primary key (named PRIMARY)
-- included, in key order. An index with a prefix part (sub_part: only the first N characters are unique) or a
-- functional part (MySQL 8: no column name) does not make rows unique over whole columns: the caller drops it.
-- Parameters: ? = schema (NULL for the connection's database), ? and ? = one table's name, or NULL for every
--             table (the same value twice).
-- Output: table_name, index_name, column_name (NULL for a functional part), sub_part.
SELECT CAST(table_name AS CHAR) AS table_name,
       CAST(index_name AS CHAR) AS index_name,
       CAST(column_name AS CHAR) AS column_name,
       CAST(sub_part AS SIGNED) AS sub_part
FROM information_schema.statistics
WHERE table_schema = COALESCE(?, DATABASE()) AND (? IS NULL OR table_name = ?) AND non_unique = 0
ORDER BY table_name, index_name, seq_in_index
