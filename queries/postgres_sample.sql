-- The condition that keeps a sampled row in PostgreSQL: the first 32 bits of MD5 over the key's text
-- ('seed|part|part', NULL parts left out), read as an unsigned integer, below the rate's threshold.
-- recon computes the same draw for the other side (src/compare/sample.rs).
-- Placeholders: {parts} = the seed literal and each key column cast to text; {threshold} = rate · 2^32.
('x' || substr(md5(convert_to(concat_ws('|', {parts}), 'UTF8')), 1, 8))::bit(32)::bigint < {threshold}
