-- The AUTO_INCREMENT column of each table of a MySQL/MariaDB database (a table has one at most) and the
-- value the next insert that leaves it out takes. MySQL 8 caches this value for
-- information_schema_stats_expiry seconds; the caller sets that to 0 first.
-- Parameters: ? = schema (NULL for the connection's database).
-- Output: table_name, column_name, next_value (text; NULL when the engine keeps no counter).
SELECT CAST(c.table_name AS CHAR) AS table_name,
       CAST(c.column_name AS CHAR) AS column_name,
       CAST(t.auto_increment AS CHAR) AS next_value
FROM information_schema.columns c
JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
WHERE c.table_schema = COALESCE(?, DATABASE()) AND c.extra LIKE '%auto_increment%'
