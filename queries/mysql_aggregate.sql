-- One aggregate of one table (max(column) of an AUTO_INCREMENT column), as text, labelled with its position in
-- the caller's list: the statement that reads every such value of a database in one round trip is this,
-- filled in once per table and joined with UNION ALL.
-- Placeholders: {position} = an integer, {aggregate} = e.g. MAX(`id`), {table} = the quoted table.
-- Output: position, value (NULL for the max of an empty table).
SELECT CAST({position} AS SIGNED) AS position, CAST(({aggregate}) AS CHAR) AS value FROM {table}
