-- The file's schema version: 0 for a new file. Inputs: none. Output: one integer.
PRAGMA user_version
