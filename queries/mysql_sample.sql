-- The condition that keeps a sampled row in MySQL/MariaDB: the first 32 bits of MD5 over the key's UTF-8
-- text ('seed|part|part', NULL parts left out), read as an unsigned integer, below the rate's threshold.
-- recon computes the same draw for the other side (src/compare/sample.rs).
-- Placeholders: {parts} = the seed literal and each key column (text converted to utf8mb4); {threshold} = rate · 2^32.
CAST(CONV(SUBSTRING(MD5(CONVERT(CONCAT_WS('|', {parts}) USING utf8mb4)), 1, 8), 16, 10) AS UNSIGNED) < {threshold}
