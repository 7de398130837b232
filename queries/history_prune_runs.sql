-- Deletes every run but each table's latest ?1. Input: ?1 runs to keep per table. Output: none.
DELETE FROM runs WHERE id IN (
    SELECT r.id FROM runs r
    WHERE (SELECT count(*) FROM runs n WHERE n.table_name = r.table_name AND n.id > r.id) >= ?1
)
