-- The tables of a MySQL/MariaDB database that an audit compares: base tables, MariaDB's system-versioned
-- tables among them (table_type 'SYSTEM VERSIONED'); not views, nor MariaDB sequences (table_type 'SEQUENCE').
-- A partitioned table is one table here: its partitions are not tables of their own.
-- Parameters: ? = schema (NULL for the connection's database), ? and ? = one table's name, or NULL for every
--             table (the same value twice).
-- Output: name, estimate (table_rows: InnoDB's estimate of the rows, exact for MyISAM and Aria).
SELECT CAST(table_name AS CHAR) AS name,
       CAST(COALESCE(table_rows, 0) AS SIGNED) AS estimate
FROM information_schema.tables
WHERE table_schema = COALESCE(?, DATABASE()) AND (? IS NULL OR table_name = ?)
  AND table_type IN ('BASE TABLE', 'SYSTEM VERSIONED')
