-- Every table with a run, by name. Inputs: none. Output: table_name.
SELECT DISTINCT table_name FROM runs ORDER BY table_name
