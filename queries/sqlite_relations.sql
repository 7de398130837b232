-- Every table and view of a SQLite database's main schema, not SQLite's own: to say which name is near one
-- that is not there.
-- Parameters: none.
-- Output: schema ('main'), name.
SELECT 'main' AS schema, name
FROM sqlite_schema
WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\_%' ESCAPE '\'
ORDER BY 2
