-- The server's clock when the read's transaction began (now() is the transaction's start, which is when the
-- snapshot was taken), as RFC 3339 UTC text. Inputs: none. Output: one text column.
SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
