-- Every table and view of a MySQL/MariaDB server the user could name, with its database: to say, of a table
-- that is not in the database searched, where a table of that name is, or which name is near it. The
-- server's own databases are left out.
-- Parameters: none.
-- Output: schema (the database), name, searched (the connection's database, NULL when the URL names none).
SELECT CAST(table_schema AS CHAR) AS `schema`, CAST(table_name AS CHAR) AS name,
       CAST(DATABASE() AS CHAR) AS searched
FROM information_schema.tables
WHERE table_schema NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys')
ORDER BY 1, 2
