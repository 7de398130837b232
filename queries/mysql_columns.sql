-- The columns of a MySQL/MariaDB table, or of every table of a database, in table order.
-- Parameters: ? = schema (NULL for the connection's database), ? and ? = one table's name, or NULL for every
--             table (the same value twice).
-- Output: column_name, data_type (e.g. 'decimal'), column_type (e.g. 'decimal(12,2) unsigned', 'tinyint(1)'),
--         numeric_precision, numeric_scale, character_set_name and collation_name (of text columns, NULL for
--         others: key literals are converted to them, so that MariaDB looks keys up in a materialized, unique
--         set instead of comparing across collations), datetime_precision (the fraction digits a datetime,
--         timestamp or time column declares), table_name.
SELECT CAST(column_name AS CHAR) AS column_name,
       CAST(data_type AS CHAR) AS data_type,
       CAST(column_type AS CHAR) AS column_type,
       CAST(numeric_precision AS SIGNED) AS numeric_precision,
       CAST(numeric_scale AS SIGNED) AS numeric_scale,
       CAST(character_set_name AS CHAR) AS character_set_name,
       CAST(collation_name AS CHAR) AS collation_name,
       CAST(datetime_precision AS SIGNED) AS datetime_precision,
       CAST(table_name AS CHAR) AS table_name
FROM information_schema.columns
WHERE table_schema = COALESCE(?, DATABASE()) AND (? IS NULL OR table_name = ?)
ORDER BY table_name, ordinal_position
