-- Records a run. Inputs: ?1 table name, ?2 started, ?3 finished, ?4 tool version, ?5 scope, ?6 spec hash,
-- ?7 key form, ?8 key columns (JSON), ?9 source location, ?10 target location (both masked), ?11/?12 the
-- sides' clocks at the start, ?13/?14 complete-before instants (NULL unless every key was covered),
-- ?15 rechecks, ?16 summary (JSON), ?17 pass, ?18 exit code, ?19 violations (JSON), ?20 new, ?21 persisting,
-- ?22 resolved, ?23 transient, ?24 unstable, ?25 superseded. Output: none (the new id is the last rowid).
INSERT INTO runs (table_name, started, finished, tool_version, scope, spec_hash, key_form, key_columns,
                  source_location, target_location, source_clock, target_clock, complete_source,
                  complete_target, rechecks, summary, pass, exit_code, violations, new, persisting, resolved,
                  transient, unstable, superseded)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22,
        ?23, ?24, ?25)
