-- Whether a MySQL/MariaDB table read over ODBC has a primary key: MariaDB Connector/ODBC's SQLPrimaryKeys
-- answers with a unique index over NOT NULL columns for a table without one (information_schema marks its
-- columns `PRI`), which is no primary key.
-- Parameters: ? = database (NULL for the connection's), ? = table name.
-- Output: the number of primary key constraints (0 or 1).
SELECT count(*)
FROM information_schema.table_constraints
WHERE constraint_schema = COALESCE(?, DATABASE()) AND table_name = ? AND constraint_type = 'PRIMARY KEY'
