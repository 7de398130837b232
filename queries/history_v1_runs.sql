-- Schema version 1: one row per run of one table (a diff, or one table of an audit). Inputs: none.
-- Times are RFC 3339 UTC text; JSON columns hold what the report said. `complete_source`/`complete_target`:
-- every row changed before these instants (each side's clock) was compared, so `--since-last-run` may start
-- there; NULL when the run did not cover every key.
CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    table_name TEXT NOT NULL,
    started TEXT NOT NULL,
    finished TEXT NOT NULL,
    tool_version TEXT NOT NULL,
    scope TEXT NOT NULL,
    spec_hash TEXT NOT NULL,
    key_form TEXT NOT NULL,
    key_columns TEXT NOT NULL,
    source_location TEXT NOT NULL,
    target_location TEXT NOT NULL,
    source_clock TEXT,
    target_clock TEXT,
    complete_source TEXT,
    complete_target TEXT,
    rechecks INTEGER NOT NULL,
    summary TEXT NOT NULL,
    pass INTEGER NOT NULL,
    exit_code INTEGER NOT NULL,
    violations TEXT NOT NULL,
    new INTEGER NOT NULL,
    persisting INTEGER NOT NULL,
    resolved INTEGER NOT NULL,
    transient INTEGER NOT NULL,
    unstable INTEGER NOT NULL,
    superseded INTEGER NOT NULL
)
