-- The clock of the machine the SQLite file is read on, as RFC 3339 UTC text. Inputs: none. Output: one text
-- column.
SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
