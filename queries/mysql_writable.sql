-- The columns of one MySQL/MariaDB table as a repair script writes them: generated columns (no INSERT or UPDATE
-- may name them: `extra` says VIRTUAL GENERATED or STORED GENERATED; MySQL's DEFAULT_GENERATED is an expression
-- default, which may be written) and the AUTO_INCREMENT column (its counter moves past inserted values by itself).
-- Parameters: ? = schema (NULL for the connection's database), ? = table.
-- Output: name, generated (1/0), identity (1/0: AUTO_INCREMENT).
SELECT CAST(column_name AS CHAR) AS name,
       CAST(extra LIKE '%VIRTUAL GENERATED%' OR extra LIKE '%STORED GENERATED%' AS SIGNED) AS generated,
       CAST(extra LIKE '%auto_increment%' AS SIGNED) AS identity
FROM information_schema.columns
WHERE table_schema = COALESCE(?, DATABASE()) AND table_name = ?
ORDER BY ordinal_position
