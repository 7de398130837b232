-- Schema version 1: at most one open finding per table, category and key, found by them. Inputs: none.
CREATE UNIQUE INDEX findings_open ON findings (table_name, category, key_hash) WHERE resolved_in IS NULL
