-- A column profile of one table in one pass: every aggregate recon asks of its columns (count, distinct values,
-- min and max by bytes, exact sums, total text length), per group when grouped, in the table's snapshot.
-- Placeholders: {aggregates} = the output list (`count(*) AS "rows", count("a") AS "count_0", …`, the group's
-- expression first when grouped), {relation} = the quoted table, {condition} = empty or ` WHERE …` (a config
-- file's `where`), {group} = empty or ` GROUP BY 1`.
-- Output: one row, or one per group: [group,] rows, then each column's outputs (see source/aggregates.rs).
SELECT {aggregates} FROM {relation}{condition}{group}
