-- Who holds a table's lock. Input: ?1 table name. Output: pid, host, process_start, since (no row: free).
SELECT pid, host, process_start, since FROM locks WHERE table_name = ?1
