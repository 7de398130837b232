-- Schema version 1: one row per finding (a table, a category and a key) from the run that first saw it until
-- the run that resolved it; a finding seen again after that is a new row. `key_hash` is the 16-byte xxh3-128
-- hash of the canonical key (its identity), `key` the canonical key values as a JSON array of text (to read
-- the key again), `columns` a mismatch's differing columns (JSON array; an attribute, not the identity).
-- `first_seen`/`last_seen`/`resolved_in` are run ids (runs may be pruned; `first_seen_at` keeps the time).
-- `closed_as`: `resolved`, or `superseded` when the table's key changed. `accepted`: when `recon history
-- accept` made it part of the baseline. Inputs: none.
CREATE TABLE findings (
    id INTEGER PRIMARY KEY,
    table_name TEXT NOT NULL,
    category TEXT NOT NULL,
    key_hash BLOB NOT NULL,
    key TEXT NOT NULL,
    columns TEXT,
    first_seen INTEGER NOT NULL,
    first_seen_at TEXT NOT NULL,
    last_seen INTEGER NOT NULL,
    resolved_in INTEGER,
    closed_as TEXT,
    accepted TEXT
)
