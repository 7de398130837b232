-- Schema version 1: the run comparing a table now, so that runs of one table never overlap: its process id,
-- host, and process start (boot id and start time, so a reused pid is not taken for it). Inputs: none.
CREATE TABLE locks (
    table_name TEXT PRIMARY KEY,
    pid INTEGER NOT NULL,
    host TEXT NOT NULL,
    process_start TEXT NOT NULL,
    since TEXT NOT NULL
)
