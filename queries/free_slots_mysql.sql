-- The connection slots a parallel read may share out: max_connections less the connections open now (recon's
-- own among them; without the PROCESS privilege only this user's are listed).
-- Output: free (bigint).
SELECT CAST(@@GLOBAL.max_connections - (SELECT COUNT(*) FROM information_schema.PROCESSLIST) AS SIGNED) AS free
