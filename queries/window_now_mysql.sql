-- The server's clock, as RFC 3339 UTC text (UTC_TIMESTAMP ignores the session time zone). Inputs: none.
-- Output: one text column.
SELECT DATE_FORMAT(UTC_TIMESTAMP(6), '%Y-%m-%dT%H:%i:%s.%fZ')
