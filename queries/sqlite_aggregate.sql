-- One aggregate of one table (count(*) for its size, max(column) of an AUTOINCREMENT column), as text,
-- labelled with its position in the caller's list: the statement that reads every such value of a database
-- at once is this, filled in once per table and joined with UNION ALL.
-- Placeholders: {position} = an integer, {aggregate} = e.g. count(*), {table} = the quoted table.
-- Output: position, value (NULL for the max of an empty table).
SELECT {position} AS position, CAST(({aggregate}) AS TEXT) AS value FROM {table}
