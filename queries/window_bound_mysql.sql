-- Sets the window's bound as a typed DATETIME(6) user variable for the rest of the session; the read, which
-- runs over the text protocol, refers to it as @recon_since. Input: ?, the bound as 'YYYY-MM-DD HH:MM:SS.ffffff'
-- (UTC for a TIMESTAMP column, as the session's time zone is UTC; the column's own zone for a DATETIME).
-- Output: none.
SET @recon_since = CAST(? AS DATETIME(6))
