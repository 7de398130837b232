-- Marks the file as holding schema version 1 (SQLite's user_version, 0 in a new file). Inputs: none.
PRAGMA user_version = 1
