-- The planner's estimate of each analyzed column's distinct values, for a profile of a table too large to
-- count them exactly. Inputs: $1 = schema, $2 = table. Output: column name, n_distinct (a negative value is
-- minus a share of the rows).
SELECT attname::text, n_distinct::float8 FROM pg_stats WHERE schemaname = $1 AND tablename = $2
