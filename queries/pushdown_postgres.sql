-- The fingerprints of one table's buckets (--pushdown, encoding md5-canonical-text-v1), computed in PostgreSQL.
-- Each row's key text and row text are built from self-delimiting value encodings ('S' || bytes || ':' || text,
-- or 'N' for NULL); the key hash is md5 of the key text, the row hash md5 of key hash and row text. A bucket is
-- the key hash's first {digits} hex digits; its fingerprint the row count and the exact sums of the row hash's
-- two 64-bit halves (as signed bigints, summed as numeric: no overflow). The keys-only pass of --since-last-run
-- sums the key hash's halves instead ({row_hash} = km): nothing outside one run compares those sums.
-- Each level is kept from being pulled up (OFFSET 0), so that every value's text and every md5 is computed once
-- per row: recon_values writes each compared value's canonical text once, recon_text frames and hashes them,
-- recon_hashes reads the row hash's 32 hex digits as 128 bits once; the aggregate takes the two halves.
-- Placeholders: {digits}; {texts} = ', <canonical text> AS c<i>' for each key column then each compared column;
-- {key}, {values} = the framed texts of c<i> ('' when none); {row_hash} = md5(km || vt), or km for the keys-only
-- pass; {unsure} = 1 for a row the fingerprint cannot vouch for (a NULL key part) else 0; {keys} =
-- count(DISTINCT km) or count(*); {relation}; {condition} = empty or ' WHERE …'.
-- Output: bucket, rows, hi, lo (sums as text), distinct_keys, unsure.
SELECT substr(km, 1, {digits}) AS bucket, count(*) AS rows,
       sum(rh::bit(64)::int8)::text AS hi,
       sum((rh << 64)::bit(64)::int8)::text AS lo,
       {keys} AS distinct_keys, sum(unsure)::int8 AS unsure
FROM (SELECT km, ('x' || {row_hash})::bit(128) AS rh, unsure
      FROM (SELECT md5({key}) AS km, {values} AS vt, unsure
            FROM (SELECT {unsure} AS unsure{texts} FROM {relation}{condition} OFFSET 0) AS recon_values
            OFFSET 0) AS recon_text
      OFFSET 0) AS recon_hashes
GROUP BY 1
