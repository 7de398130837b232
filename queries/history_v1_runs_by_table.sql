-- Schema version 1: a table's runs, newest first. Inputs: none.
CREATE INDEX runs_by_table ON runs (table_name, id)
