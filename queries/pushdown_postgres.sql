-- The fingerprints of one table's buckets (--pushdown, encoding md5-canonical-text-v1), computed in PostgreSQL.
-- Each row's key text and row text are built from self-delimiting value encodings ('S' || bytes || ':' || text,
-- or 'N' for NULL); the key hash is md5 of the key text, the row hash md5 of key hash and row text. A bucket is
-- the key hash's first {digits} hex digits; its fingerprint the row count and the exact sums of the row hash's
-- two 64-bit halves (as signed bigints, summed as numeric: no overflow).
-- OFFSET 0 keeps each subquery from being pulled up, so that every md5 is computed once per row.
-- Placeholders: {digits}, {key} = the key text expression, {values} = the row text expression ('' when none),
-- {unsure} = 1 for a row the fingerprint cannot vouch for (a NULL key part) else 0, {keys} = count(DISTINCT km)
-- or count(*), {relation}, {condition} = empty or ' WHERE …'.
-- Output: bucket, rows, hi, lo (sums as text), distinct_keys, unsure.
SELECT substr(km, 1, {digits}) AS bucket, count(*) AS rows,
       sum(('x' || substr(rm, 1, 16))::bit(64)::int8)::text AS hi,
       sum(('x' || substr(rm, 17, 16))::bit(64)::int8)::text AS lo,
       {keys} AS distinct_keys, sum(unsure)::int8 AS unsure
FROM (SELECT km, md5(km || vt) AS rm, unsure
      FROM (SELECT md5({key}) AS km, {values} AS vt, {unsure} AS unsure FROM {relation}{condition} OFFSET 0) AS recon_text
      OFFSET 0) AS recon_hashes
GROUP BY 1
