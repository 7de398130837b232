-- Deletes closed findings whose closing run was pruned; open findings always stay. Inputs: none. Output: none.
DELETE FROM findings WHERE resolved_in IS NOT NULL AND resolved_in NOT IN (SELECT id FROM runs)
