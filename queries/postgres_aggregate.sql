-- One aggregate of one table (max(column) of a sequence's column), as text, labelled with its position in the
-- caller's list: the statement that reads every such value of a schema in one round trip is this, filled in
-- once per table and joined with UNION ALL.
-- Placeholders: {position} = an integer, {aggregate} = e.g. max("id"), {table} = the quoted, schema-qualified table.
-- Output: position, value (NULL for the max of an empty table).
SELECT {position}::int8 AS position, ({aggregate})::text AS value FROM {table}
