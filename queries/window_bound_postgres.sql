-- Sets the window's bound for the rest of the read's transaction (is_local = true), because COPY (SELECT …)
-- takes no bind parameters; the read then refers to it as current_setting('recon.since') cast to the change
-- column's type. Input: $1, the bound as text (an instant with its offset, or a zone-less timestamp).
-- Output: the value set (ignored).
SELECT set_config('recon.since', $1, true)
