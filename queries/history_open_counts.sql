-- A table's open findings per category, and how many of them are in its baseline. Input: ?1 table name.
-- Output: category, open, accepted.
SELECT category, count(*), count(accepted) FROM findings
WHERE table_name = ?1 AND resolved_in IS NULL GROUP BY category ORDER BY category
