-- The AUTOINCREMENT high-water marks of a SQLite database (https://sqlite.org/autoinc.html): the largest
-- rowid each AUTOINCREMENT table has ever used, kept in sqlite_sequence once it has had a row. The table
-- sqlite_sequence exists only once some table was created AUTOINCREMENT: the caller checks first.
-- Parameters: none.
-- Output: table_name, seq.
SELECT name AS table_name, seq FROM sqlite_sequence
