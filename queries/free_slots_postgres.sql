-- The connection slots a parallel read may share out: max_connections, less those reserved for superusers, less
-- the client connections open now (recon's own among them).
-- Output: free (bigint).
SELECT (pg_catalog.current_setting('max_connections')::bigint
        - pg_catalog.current_setting('superuser_reserved_connections')::bigint
        - (SELECT count(*) FROM pg_catalog.pg_stat_activity WHERE backend_type = 'client backend'))::bigint AS free
