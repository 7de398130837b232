-- Every open finding of a table, for `recon history FILE --open`, oldest first. Input: ?1 table name. Output:
-- category, key (JSON array of text), columns (JSON array, mismatches only), first_seen_at, when the run that
-- last saw it started, accepted (when it joined the baseline, or NULL).
SELECT f.category, f.key, f.columns, f.first_seen_at, r.started, f.accepted
FROM findings f LEFT JOIN runs r ON r.id = f.last_seen
WHERE f.table_name = ?1 AND f.resolved_in IS NULL
ORDER BY f.category, f.first_seen, f.id
