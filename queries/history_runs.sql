-- A table's latest runs, newest first. Inputs: ?1 table name, ?2 how many. Output: id, started, finished,
-- tool_version, scope, spec_hash, rechecks, summary (JSON), pass, exit_code, new, persisting, resolved,
-- transient, unstable, superseded.
SELECT id, started, finished, tool_version, scope, spec_hash, rechecks, summary, pass, exit_code, new,
       persisting, resolved, transient, unstable, superseded
FROM runs WHERE table_name = ?1 ORDER BY id DESC LIMIT ?2
