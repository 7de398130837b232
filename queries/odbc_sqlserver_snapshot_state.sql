-- Whether the SQL Server database a connection uses allows SNAPSHOT isolation (ALLOW_SNAPSHOT_ISOLATION): only
-- state 1 (ON) does; 0 is OFF, 2 and 3 are on the way to OFF and to ON, when a SNAPSHOT transaction fails.
-- The connection's own database is always visible in sys.databases, whatever the user's permissions.
-- Output: snapshot_isolation_state (0 to 3), one row.
SELECT snapshot_isolation_state FROM sys.databases WHERE name = DB_NAME()
