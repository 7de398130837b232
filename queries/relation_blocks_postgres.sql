-- Whether TID range scans can split a relation: its kind (r: a table, m: a materialized view), its heap's size
-- in blocks, and the server's version (TID range scans came with PostgreSQL 14).
-- Input: $1 the relation as recon quotes it ("schema"."table").
-- Output: kind, blocks, version.
SELECT c.relkind::text AS kind,
       (pg_catalog.pg_relation_size(c.oid) / pg_catalog.current_setting('block_size')::bigint)::bigint AS blocks,
       pg_catalog.current_setting('server_version_num')::int AS version
FROM pg_catalog.pg_class c
WHERE c.oid = $1::regclass
