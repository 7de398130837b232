-- When a table's baseline was accepted. Input: ?1 table name. Output: accepted (no row: no baseline).
SELECT accepted FROM baselines WHERE table_name = ?1
