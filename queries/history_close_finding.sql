-- Closes an open finding. Inputs: ?1 finding id, ?2 run id, ?3 `resolved` or `superseded`. Output: none.
UPDATE findings SET resolved_in = ?2, closed_as = ?3 WHERE id = ?1 AND resolved_in IS NULL
