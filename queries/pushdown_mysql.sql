-- The fingerprints of one table's buckets (--pushdown, encoding md5-canonical-text-v1), computed in MySQL/MariaDB:
-- the same texts and hashes as pushdown_postgres.sql. The row hash's halves are summed as unsigned integers in
-- DECIMAL (no overflow); modulo 2^64 the sums equal PostgreSQL's signed ones. CONCAT gives NULL for a text
-- longer than max_allowed_packet: such a row is counted unsure, never hashed as something else.
-- A LIMIT keeps each derived table from being merged, so that every MD5 is computed once per row.
-- Placeholders: as pushdown_postgres.sql, but {key} and {values} frame the columns' texts directly ({texts} unused).
-- Output: bucket, rows, hi, lo (sums as text), distinct_keys, unsure.
SELECT SUBSTR(km, 1, {digits}) AS bucket, COUNT(*) AS n,
       CAST(SUM(CAST(CONV(SUBSTR(rm, 1, 16), 16, 10) AS UNSIGNED)) AS CHAR) AS hi,
       CAST(SUM(CAST(CONV(SUBSTR(rm, 17, 16), 16, 10) AS UNSIGNED)) AS CHAR) AS lo,
       {keys} AS distinct_keys, CAST(SUM(CASE WHEN rm IS NULL OR km IS NULL THEN 1 ELSE unsure END) AS SIGNED) AS unsure
FROM (SELECT km, {row_hash} AS rm, unsure
      FROM (SELECT MD5({key}) AS km, {values} AS vt, {unsure} AS unsure FROM {relation}{condition}
            LIMIT 18446744073709551615) AS recon_text
      LIMIT 18446744073709551615) AS recon_hashes
GROUP BY 1
