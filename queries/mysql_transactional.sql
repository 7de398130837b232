-- Whether a MySQL/MariaDB table's storage engine is transactional, and so read in the transaction's consistent
-- snapshot (InnoDB): MyISAM, Aria, MEMORY, CSV and MERGE tables are not, and each statement reads them as they
-- are when it runs. A view has no engine of its own, and no row here.
-- Parameters: ? = database (NULL for the connection's), ? = table name.
-- Output: TRANSACTIONS of the table's engine, 'YES' or 'NO'; one row for a table.
SELECT e.transactions
FROM information_schema.tables t
JOIN information_schema.engines e ON e.engine = t.engine
WHERE t.table_schema = COALESCE(?, DATABASE()) AND t.table_name = ?
